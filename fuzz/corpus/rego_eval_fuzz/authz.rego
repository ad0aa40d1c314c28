

import rego.v1

default allow := false

allow if {
	input.method == "GET"
	some role in input.roles
	role in {"admin", "dev"}
}

deny contains msg if {
	not allow
	msg := sprintf("denied %s", [input.user])
}

f(x) := y if y := x * 2 else := 0

a.b[c].d := 1 if c := "k"

t := $"user {input.user} has {count(input.roles)} roles"
