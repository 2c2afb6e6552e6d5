-- wordfreq: see benches/ms/wordfreq.ms. Words are built with `..` (immutable strings, like
-- MiniScript); split is a small helper (Lua has none built in); join is table.concat.
local N = 60000

local function split(s, sep)
	local parts, n, start = {}, 0, 1
	while true do
		local i = string.find(s, sep, start, true)
		n = n + 1
		if not i then parts[n] = string.sub(s, start); break end
		parts[n] = string.sub(s, start, i - 1)
		start = i + #sep
	end
	return parts
end

local function run(n)
	local seed = 42
	local words = {}
	for i = 1, n do
		seed = (seed * 16807) % 2147483647
		local wlen = 2 + seed % 4
		local w = ""
		for _ = 1, wlen do
			seed = (seed * 16807) % 2147483647
			w = w .. string.char(97 + seed % 6)
		end
		words[i] = w
	end
	local text = table.concat(words, " ")
	local counts = {}
	local keys = {}
	for _, w in ipairs(split(text, " ")) do
		local c = counts[w]
		if c then
			counts[w] = c + 1
		else
			counts[w] = 1
			keys[#keys + 1] = w
		end
	end
	table.sort(keys)
	local hash = 0
	for _, k in ipairs(keys) do
		local r = ""
		local p = #k
		while p >= 1 do
			r = r .. string.sub(k, p, p)
			p = p - 1
		end
		hash = (hash * 131 + counts[k] * 7 + string.byte(r, 1) + #r) % 1000000007
	end
	return #keys, #text, hash
end

local distinct, length, hash = run(N)
print(string.format("wordfreq n=%d distinct=%d length=%d hash=%d", N, distinct, length, hash))
