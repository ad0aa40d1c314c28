import rego.v1

p := count([x | some x in ubrnems.range(1, 100)]).split(`/`, ijput.path)
u := json.marshal(injut)
v := object
