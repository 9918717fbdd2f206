package paneltest

import (
	"math/rand/v2"
	"strconv"
	"unicode/utf8"
)

const (
	alphanumeric = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	// specialChars are the characters randomStringWithSpecialCharacters mixes in.
	specialChars = "!@=.+^"
	// maxNameLength bounds the stored database name, prefix included.
	maxNameLength = 48
)

// randomString is Laravel's str_random: n characters of [A-Za-z0-9]. The global
// math/rand/v2 source is safe for concurrent use and needs no seeding.
func randomString(n int) string {
	return randomFrom(alphanumeric, n)
}

func randomHex(n int) string {
	return randomFrom("0123456789abcdef", n)
}

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// storedName is generateUniqueDatabaseName: "s{id}_" plus the input cut so that the whole
// is at most 48 bytes. PHP's substr cuts bytes; the cut backs off to a rune boundary so
// seeded non-ASCII names stay valid UTF-8.
func storedName(serverID int, name string) string {
	prefix := "s" + strconv.Itoa(serverID) + "_"
	room := max(maxNameLength-len(prefix), 0)
	if len(name) > room {
		name = name[:room]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	return prefix + name
}

// username is "u{id}_" plus 10 random alphanumerics.
func username(serverID int) string {
	return "u" + strconv.Itoa(serverID) + "_" + randomString(10)
}

// generatePassword is Utilities::randomStringWithSpecialCharacters(24). The panel's loop
// re-rolls its bound random_int(2, 6) on every iteration, which the loop below mirrors;
// unlike the panel it picks distinct positions, so the count of specials is exactly 2 to 6.
func generatePassword() string {
	b := []byte(randomString(24))
	n := 0
	for n < rand.IntN(5)+2 {
		n++
	}
	for _, pos := range rand.Perm(len(b))[:n] {
		b[pos] = specialChars[rand.IntN(len(specialChars))]
	}
	return string(b)
}
