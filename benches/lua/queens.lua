-- queens: see benches/ms/queens.ms. The flag lists are 0-based tables, like MiniScript's
-- lists, so the index arithmetic is the same; `tried` is a global in both.
local N = 11

tried = 0

local function place(row, n, cols, d1, d2)
	if row == n then return 1 end
	local count = 0
	local c = 0
	while c < n do
		if cols[c] == 0 and d1[row + c] == 0 and d2[row - c + n - 1] == 0 then
			tried = tried + 1
			cols[c] = 1
			d1[row + c] = 1
			d2[row - c + n - 1] = 1
			count = count + place(row + 1, n, cols, d1, d2)
			cols[c] = 0
			d1[row + c] = 0
			d2[row - c + n - 1] = 0
		end
		c = c + 1
	end
	return count
end

local function zeros(n)
	local t = {}
	for i = 0, n - 1 do t[i] = 0 end
	return t
end

local solutions = place(0, N, zeros(N), zeros(2 * N), zeros(2 * N))
print(string.format("queens n=%d solutions=%d tried=%d", N, solutions, tried))
