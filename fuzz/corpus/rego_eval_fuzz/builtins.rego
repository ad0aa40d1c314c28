import rego.v1

p := count([x | some x in numbers.range(1, 100)])
q := {k: v | some k, v in input.m}
r := [w | walk(input, w)]
s := regex.split(`/`, input.path)
u := json.marshal(input)
v := object.union({"a": 1}, {"b": input.n})
w contains x if some x in input.roles
z := sum([n | some n in [1, 2, input.n]])
