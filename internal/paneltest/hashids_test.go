package paneltest

import "testing"

// Vectors from the Hashids reference implementations' test suites.
func TestHashidsVectors(t *testing.T) {
	tests := []struct {
		salt    string
		min     int
		numbers []int
		want    string
	}{
		{"this is my salt", 0, []int{45, 434, 1313, 99}, "7nnhzEsDkiYa"},
		{"this is my salt", 0, []int{683, 94108, 123, 5}, "aBMswoO2UB3Sj"},
		{"this is my salt", 0, []int{5, 5, 5, 5}, "1Wc8cwcE"},
		{"this is my salt", 8, []int{1}, "gB0NV05e"},
		{"this is my salt", 8, []int{2}, "yLA6m0oM"},
		{"this is my salt", 6, []int{1}, "B0NV05"},
		{"this is another salt", 6, []int{1}, "QGQ707"},
		{"this is my salt", 10, []int{1000}, "Xzjd5vJGvO"},
		{"this is my salt", 10, []int{1, 10, 1000}, "40rlHmFyQd"},
		{"this is my salt", 16, []int{1}, "JEDngB0NV05ev1Ww"},
		{"this is another salt", 16, []int{1}, "b9qVeQGQ707ay8Kl"},
		{"this is my salt", 16, []int{45, 434, 1313, 99}, "nG7nnhzEsDkiYadK"},
		{"this is my salt", 18, []int{1}, "aJEDngB0NV05ev1WwP"},
	}
	for _, tt := range tests {
		if got := newHashids(tt.salt, tt.min).encode(tt.numbers...); got != tt.want {
			t.Errorf("encode(%q, %d, %v) = %q, want %q", tt.salt, tt.min, tt.numbers, got, tt.want)
		}
	}
}

func TestHashidsMinLengthAndUniqueness(t *testing.T) {
	h := newHashids("0123456789abcdefghij", 8)
	seen := map[string]int{}
	for i := range 5000 {
		id := h.encode(i)
		if len(id) < 8 {
			t.Fatalf("encode(%d) = %q, shorter than 8", i, id)
		}
		if j, dup := seen[id]; dup {
			t.Fatalf("encode(%d) = encode(%d) = %q", i, j, id)
		}
		seen[id] = i
	}
}
