# The OPA-Envoy tutorial's policy, unchanged in shape: default deny, a bearer
# token's claims (io.jwt.decode_verify with an HS256 secret), and an allowlist
# of methods and paths per role. The decision path envoy/authz/allow returns an
# object, so denials carry a status, a body and headers.
package envoy.authz

import rego.v1

default allow := {
	"allowed": false,
	"http_status": 401,
	"body": "missing or invalid bearer token",
	"headers": {"www-authenticate": "Bearer realm=\"shop\""},
}

allow := {
	"allowed": true,
	"headers": {"x-user": token.payload.sub},
	"request_headers_to_remove": ["authorization"],
	"response_headers_to_add": {"x-policy-revision": data.envoy.authz.revision},
} if {
	token.valid
	action_allowed
}

allow := {
	"allowed": false,
	"http_status": 403,
	"body": sprintf("%s may not %s %s", [token.payload.sub, http_request.method, http_request.path]),
} if {
	token.valid
	not action_allowed
}

http_request := input.attributes.request.http

token := {"valid": valid, "payload": payload} if {
	[_, encoded] := split(http_request.headers.authorization, " ")
	[valid, _, payload] := io.jwt.decode_verify(encoded, {"secret": data.envoy.authz.secret})
}

action_allowed if {
	http_request.method == "GET"
	token.payload.role == "guest"
	glob.match("/people*", ["/"], http_request.path)
}

action_allowed if {
	http_request.method == "GET"
	token.payload.role == "admin"
	glob.match("/people*", ["/"], http_request.path)
}

action_allowed if {
	http_request.method == "POST"
	token.payload.role == "admin"
	glob.match("/people", ["/"], http_request.path)
	lower(input.parsed_body.firstname) != base64url.decode(token.payload.sub)
}
