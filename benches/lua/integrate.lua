-- integrate: see benches/ms/integrate.ms. Functions are locals (upvalues), as a Lua
-- user would write them; the global-scope loop of the MiniScript twin is the main chunk's.
local N = 1000000

local function f(x)
	return x * x * 0.5 - x * 0.25 + 1
end

local function bump(x, k)
	k = k or 3
	return f(x) * k - x
end

local function integrate(a, b, n)
	local h = (b - a) / n
	local s = 0
	local i = 0
	while i < n do
		s = s + f(a + (i + 0.5) * h)
		i = i + 1
	end
	return s * h
end

local area = integrate(0, 3, N)
local total = 0
local x = 0
for i = 1, N do
	total = total + bump(x)
	x = x + 0.000002
end
print(string.format("integrate n=%d area=%d total=%d", N, math.floor(area * 1000000), math.floor(total)))
