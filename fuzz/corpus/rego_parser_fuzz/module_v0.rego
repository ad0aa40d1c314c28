package old

deny[msg] {
  input.x > 1
  msg := "big"
}
