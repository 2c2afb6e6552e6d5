-- sieve: see benches/ms/sieve.ms (same loops; flags[1] is allocated but never read).
local N = 1000000

local function sieve(n)
	local flags = {}
	for k = 1, n do flags[k] = 1 end
	local i = 2
	while i * i <= n do
		if flags[i] == 1 then
			local j = i * i
			while j <= n do
				flags[j] = 0
				j = j + i
			end
		end
		i = i + 1
	end
	local count, sum = 0, 0
	local k = 2
	while k <= n do
		if flags[k] == 1 then
			count = count + 1
			sum = (sum + k * (count % 7 + 1)) % 1000000007
		end
		k = k + 1
	end
	return count, sum
end

local count, sum = sieve(N)
print(string.format("sieve n=%d primes=%d checksum=%d", N, count, sum))
