package paneltest

import "bytes"

// hashids is the encoding half of the standard Hashids algorithm (hashids.js 1.x,
// hashids/hashids for PHP), which Pterodactyl uses to turn databases.id into the public id.
// Decoding is not needed: the panel's decoder rejects anything that does not re-encode to
// itself, so looking ids up in a map of encoded values gives the same answers.
type hashids struct {
	salt      []byte
	minLength int
	alphabet  []byte
	seps      []byte
	guards    []byte
}

const (
	// hashidsAlphabet is HASHIDS_ALPHABET's default in config/hashids.php.
	hashidsAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890"
	hashidsSeps     = "cfhistuCFHISTU"
)

func newHashids(salt string, minLength int) *hashids {
	h := &hashids{salt: []byte(salt), minLength: minLength}
	alphabet := []byte(hashidsAlphabet)
	var seps []byte
	// Separators must come from the alphabet, and the alphabet must not contain them.
	for _, c := range []byte(hashidsSeps) {
		if i := bytes.IndexByte(alphabet, c); i >= 0 {
			seps = append(seps, c)
			alphabet = append(alphabet[:i:i], alphabet[i+1:]...)
		}
	}
	// The reference implementation rebalances separators and letters for custom alphabets;
	// with the default one (48 letters to 14 separators, under its 3.5 ratio) that never
	// applies, so it is left out. Guards are the first ceil(48/12) shuffled letters.
	h.seps = shuffle(seps, h.salt)
	alphabet = shuffle(alphabet, h.salt)
	guards := (len(alphabet) + 11) / 12
	h.guards, h.alphabet = alphabet[:guards], alphabet[guards:]
	return h
}

// shuffle is the algorithm's consistent shuffle; it returns a new slice.
func shuffle(alphabet, salt []byte) []byte {
	out := bytes.Clone(alphabet)
	if len(salt) == 0 {
		return out
	}
	for i, v, p := len(out)-1, 0, 0; i > 0; i, v = i-1, v+1 {
		v %= len(salt)
		n := int(salt[v])
		p += n
		j := (n + v + p) % i
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// toAlphabet writes n in the base of the given alphabet.
func toAlphabet(n int, alphabet []byte) []byte {
	var out []byte
	for {
		out = append([]byte{alphabet[n%len(alphabet)]}, out...)
		if n /= len(alphabet); n == 0 {
			return out
		}
	}
}

// encode returns the Hashid of non-negative numbers.
func (h *hashids) encode(numbers ...int) string {
	alphabet := bytes.Clone(h.alphabet)
	hashInt := 0
	for i, n := range numbers {
		hashInt += n % (i + 100)
	}
	lottery := alphabet[hashInt%len(alphabet)]
	ret := []byte{lottery}
	for i, n := range numbers {
		buffer := append(append([]byte{lottery}, h.salt...), alphabet...)
		alphabet = shuffle(alphabet, buffer[:len(alphabet)])
		last := toAlphabet(n, alphabet)
		ret = append(ret, last...)
		if i+1 < len(numbers) {
			n %= int(last[0]) + i
			ret = append(ret, h.seps[n%len(h.seps)])
		}
	}
	if len(ret) < h.minLength {
		g := h.guards[(hashInt+int(ret[0]))%len(h.guards)]
		ret = append([]byte{g}, ret...)
		if len(ret) < h.minLength {
			ret = append(ret, h.guards[(hashInt+int(ret[2]))%len(h.guards)])
		}
	}
	half := len(alphabet) / 2
	for len(ret) < h.minLength {
		alphabet = shuffle(alphabet, alphabet)
		ret = append(append(bytes.Clone(alphabet[half:]), ret...), alphabet[:half]...)
		if excess := len(ret) - h.minLength; excess > 0 {
			ret = ret[excess/2 : excess/2+h.minLength]
		}
	}
	return string(ret)
}
