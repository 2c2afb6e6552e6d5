-- objects: see benches/ms/objects.ms. Classes are tables chained by metatables
-- (__index), `new` is setmetatable, `isa` walks the metatable chain and `super` is a
-- call of the base class's method with the same self.
local STEPS = 100

local function new(class)
	return setmetatable({}, class)
end

local function isa(obj, class)
	local m = getmetatable(obj)
	while m do
		if m == class then return true end
		m = getmetatable(m)
	end
	return false
end

local Creature = {}
Creature.__index = Creature
Creature.pos = 0
Creature.age = 0
Creature.energy = 10
function Creature.speed(self)
	return 1
end
function Creature.move(self, size)
	self.pos = (self.pos + self:speed()) % size
	self.age = self.age + 1
	self.energy = self.energy - 1
end
function Creature.code(self)
	return self.pos * 7 + self.age
end

local Rabbit = new(Creature)
Rabbit.__index = Rabbit
Rabbit.food = 4
function Rabbit.speed(self)
	return 1 + self.age % 2
end
function Rabbit.code(self)
	return Creature.code(self) + 1
end

local Fox = new(Creature)
Fox.__index = Fox
Fox.food = 11
function Fox.speed(self)
	return 3
end
function Fox.code(self)
	return Creature.code(self) * 2 + 3
end

local function run(steps)
	local size = 997
	local pop = {}
	for i = 0, 1999 do
		local c
		if i % 5 == 0 then c = new(Fox) else c = new(Rabbit) end
		c.pos = (i * 31) % size
		pop[#pop + 1] = c
	end
	local births, deaths = 0, 0
	for _ = 1, steps do
		local nxt = {}
		for _, c in ipairs(pop) do
			c:move(size)
			local old
			if isa(c, Fox) then
				if c.pos % 7 == 0 then c.energy = c.energy + c.food end
				old = c.age > 80
			else
				if c.pos % 3 == 0 then c.energy = c.energy + c.food end
				old = c.age > 60
			end
			if c.energy <= 0 or old then
				deaths = deaths + 1
			else
				nxt[#nxt + 1] = c
				if c.energy >= 16 and #nxt < 3000 then
					c.energy = math.floor(c.energy / 2)
					local kid
					if isa(c, Fox) then kid = new(Fox) else kid = new(Rabbit) end
					kid.pos = c.pos
					kid.energy = c.energy
					nxt[#nxt + 1] = kid
					births = births + 1
				end
			end
		end
		pop = nxt
	end
	local rabbits, foxes, hash = 0, 0, 0
	for _, c in ipairs(pop) do
		if isa(c, Creature) then
			if isa(c, Rabbit) then rabbits = rabbits + 1 else foxes = foxes + 1 end
		end
		hash = (hash * 31 + c:code()) % 1000000007
	end
	return rabbits, foxes, births, deaths, hash
end

local r, f, b, d, h = run(STEPS)
print(string.format("objects steps=%d rabbits=%d foxes=%d births=%d deaths=%d hash=%d", STEPS, r, f, b, d, h))
