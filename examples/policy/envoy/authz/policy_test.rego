package envoy.authz_test

import rego.v1

import data.envoy.authz

# HS256 tokens signed with "secret" (the OPA-Envoy tutorial's).
guest_token := io.jwt.encode_sign({"alg": "HS256"}, {"sub": "YWxpY2U=", "role": "guest"}, {"kty": "oct", "k": base64url.encode_no_pad("secret")})

admin_token := io.jwt.encode_sign({"alg": "HS256"}, {"sub": "Ym9i", "role": "admin"}, {"kty": "oct", "k": base64url.encode_no_pad("secret")})

request(method, path, token) := {"attributes": {"request": {"http": {
	"method": method,
	"path": path,
	"headers": {"authorization": concat(" ", ["Bearer", token])},
}}}}

test_guest_reads if {
	authz.allow.allowed with input as request("GET", "/people", guest_token)
}

test_guest_cannot_write if {
	d := authz.allow with input as request("POST", "/people", guest_token)
	not d.allowed
	d.http_status == 403
}

test_admin_creates if {
	inp := object.union(request("POST", "/people", admin_token), {"parsed_body": {"firstname": "Charlie"}})
	authz.allow.allowed with input as inp
}

test_no_token if {
	d := authz.allow with input as {"attributes": {"request": {"http": {"method": "GET", "path": "/people", "headers": {}}}}}
	d.http_status == 401
}
