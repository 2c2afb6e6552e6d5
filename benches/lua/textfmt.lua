-- textfmt: see benches/ms/textfmt.ms. Lua strings are bytes, so character counts,
-- positions and indexing go through small UTF-8 helpers; split is a plain find loop,
-- join is table.concat and replace a plain gsub.
local N = 200000

local function ulen(s)
	local _, n = s:gsub("[^\128-\191]", "")
	return n
end

local function split(s, sep)
	local out, pos = {}, 1
	while true do
		local a, b = s:find(sep, pos, true)
		if not a then
			out[#out + 1] = s:sub(pos)
			return out
		end
		out[#out + 1] = s:sub(pos, a - 1)
		pos = b + 1
	end
end

local function chars(s)
	local t = {}
	for ch in s:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
		t[#t + 1] = ch
	end
	return t
end

local function code(s)
	local b = s:byte(1)
	if not b then return 0 end
	if b < 0x80 then return b end
	if b < 0xE0 then return (b - 0xC0) * 64 + (s:byte(2) - 0x80) end
	return ((b - 0xE0) * 64 + (s:byte(2) - 0x80)) * 64 + (s:byte(3) - 0x80)
end

local function run(n)
	local words = split("über café naïve smörgåsbord piñata crème brûlée façade jalapeño résumé Ærø fjørd zoë mañana the of and a to in is it", " ")
	local pieces = {}
	local seed = 11
	for _ = 1, n do
		seed = (seed * 16807) % 2147483647
		pieces[#pieces + 1] = words[seed % #words + 1]
	end
	local text = table.concat(pieces, " ")
	text = text:gsub("é", "e"):gsub("ñ", "nn")
	local lines = {}
	local line = ""
	for _, w in ipairs(split(text, " ")) do
		if line == "" then
			line = w
		elseif ulen(line) + 1 + ulen(w) > 40 then
			lines[#lines + 1] = line
			line = w
		else
			line = line .. " " .. w
		end
	end
	if line ~= "" then lines[#lines + 1] = line end
	local hash, nchars = 0, 0
	for _, ln in ipairs(lines) do
		local parts = split(ln, " ")
		local gap = 40 - ulen(ln)
		local k = 0
		while gap > 0 and #parts > 1 do
			local j = k % (#parts - 1)
			parts[j + 1] = parts[j + 1] .. " "
			gap = gap - 1
			k = k + 1
		end
		local out = table.concat(parts, " ")
		local olen = ulen(out)
		nchars = nchars + olen
		local p = -1
		local a = out:find("ø", 1, true)
		if a then p = ulen(out:sub(1, a - 1)) end
		local cs = chars(parts[#parts])
		local r = ""
		for j = #cs, 1, -1 do
			r = r .. cs[j]
		end
		hash = (hash * 31 + olen * 7 + p + code(r)) % 1000000007
	end
	return #lines, nchars, hash
end

local l, c, h = run(N)
print(string.format("textfmt n=%d lines=%d chars=%d hash=%d", N, l, c, h))
