# true when the documents $a (ctx-aggregate's) and $b (runs_summary.jq's) are the same
# list: the same keys in the same order at every level, the same values, a rate within
# its rounding (3 decimals, drop_rate 4).
def same($x; $y; $key):
	if ($x | type) == "object" then
		($y | type) == "object" and ($x | keys_unsorted) == ($y | keys_unsorted)
		and all($x | keys_unsorted[]; . as $k | same($x[$k]; $y[$k]; $k))
	elif ($x | type) == "array" then
		($y | type) == "array" and ($x | length) == ($y | length)
		and all(range($x | length); . as $i | same($x[$i]; $y[$i]; $key))
	elif ($x | type) == "number" and ($key | tostring | endswith("rate")) then
		($y | type) == "number" and ($x - $y | fabs) <= (if $key == "drop_rate" then 0.00005 else 0.0005 end)
	else $x == $y end;
same($a; $b; null)
