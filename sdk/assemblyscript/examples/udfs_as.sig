norm(string) -> string
bmi(double, double) -> double
add_or(bigint, bigint) -> bigint
isum2(bigint) -> bigint state 16
tokens(string) -> table(token string, pos int)
