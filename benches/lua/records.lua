-- records: see benches/ms/records.ms. Particles are tables with named fields (like the
-- MiniScript maps), visited with ipairs (like `for p in ps`).
local STEPS = 10000

local function makeParticle(i)
	local p = {}
	p.x = (i * 37) % 1000
	p.y = (i * 91) % 1000
	p.vx = i % 7 + 1
	p.vy = i % 5 + 2
	p.hits = 0
	return p
end

local function simulate(steps)
	local ps = {}
	for i = 0, 49 do
		ps[#ps + 1] = makeParticle(i)
	end
	local s = 0
	while s < steps do
		for _, p in ipairs(ps) do
			p.x = p.x + p.vx
			if p.x < 0 or p.x > 999 then
				p.vx = -p.vx
				p.x = p.x + p.vx + p.vx
				p.hits = p.hits + 1
			end
			p.y = p.y + p.vy
			if p.y < 0 or p.y > 999 then
				p.vy = -p.vy
				p.y = p.y + p.vy + p.vy
				p.hits = p.hits + 1
			end
		end
		s = s + 1
	end
	local hits, hash = 0, 0
	for _, p in ipairs(ps) do
		hits = hits + p.hits
		hash = (hash * 31 + p.x * 1000 + p.y) % 1000000007
	end
	return hits, hash
end

local hits, hash = simulate(STEPS)
print(string.format("records steps=%d hits=%d hash=%d", STEPS, hits, hash))
