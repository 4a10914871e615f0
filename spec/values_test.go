package spec

import (
	"testing"
	"time"
)

func TestParseExpose(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want PortRange
		bad  bool
	}{
		{in: "8080", want: PortRange{8080, 8080, "tcp"}},
		{in: "53/udp", want: PortRange{53, 53, "udp"}},
		{in: "80/TCP", want: PortRange{80, 80, "tcp"}},
		{in: "8000-8010/sctp", want: PortRange{8000, 8010, "sctp"}},
		{in: "1-65535", want: PortRange{1, 65535, "tcp"}},
		{in: "0", bad: true},
		{in: "65536", bad: true},
		{in: "+80", bad: true},
		{in: "90-80", bad: true},
		{in: "80/tpc", bad: true},
		{in: "80-", bad: true},
		{in: "", bad: true},
	} {
		got, err := ParseExpose(tc.in)
		if tc.bad != (err != nil) || !tc.bad && got != tc.want {
			t.Errorf("ParseExpose(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	if d, err := ParseDuration("1m30s"); err != nil || d != 90*time.Second {
		t.Errorf("1m30s = %v, %v", d, err)
	}
	for _, bad := range []string{"-1s", "30", "soon", ""} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}
