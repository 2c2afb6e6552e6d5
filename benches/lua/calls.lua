-- calls: see benches/ms/calls.ms. Functions are locals (upvalues), as a Lua user would
-- write them; the class is a metatable with __index (like `new` and __isa).
local N = 500000

local function clamp(v, lo, hi)
	if v < lo then return lo end
	if v > hi then return hi end
	return v
end

local function mix(a, b)
	return (a * 31 + b) % 65536
end

local Acc = {}
Acc.__index = Acc
Acc.total = 0
function Acc:add(v)
	self.total = (self.total + v) % 1000003
end

local function run(n)
	local acc = setmetatable({}, Acc)
	local h = 0
	local i = 0
	while i < n do
		h = mix(h, clamp(i % 1000, 100, 900))
		acc:add(h)
		i = i + 1
	end
	return h, acc.total
end

local h, total = run(N)
print(string.format("calls n=%d mix=%d total=%d", N, h, total))
