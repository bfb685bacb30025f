package database

// The master password alphabet. RDS refuses "/", "@", '"' and space in a
// master password; anything outside RFC 3986's unreserved set would need
// percent-encoding in a postgres:// URL and quoting in shells and env files.
// So the password uses letters, digits and the four unreserved specials
// only, and makes up for the smaller alphabet with length (40 characters
// from 66 symbols is about 240 bits).
const (
	// PasswordLength is the master password length.
	PasswordLength = 40
	// PasswordSpecials are the only non-alphanumeric characters used.
	PasswordSpecials = "-_.~"
)

// PasswordAlphabet is every character the generated password can contain.
func PasswordAlphabet() string {
	return "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz" + "0123456789" + PasswordSpecials
}
