package spec

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// PortRange is an expose value: ports Low to High (equal for one port)
// with a protocol.
type PortRange struct {
	Low, High int
	Proto     string // tcp, udp or sctp
}

// ParseExpose parses port[/proto] or a range low-high[/proto], as EXPOSE
// takes them: ports 1-65535, tcp by default, the protocol in any case.
// The validator and the compiler both use it.
func ParseExpose(value string) (PortRange, error) {
	ports, proto, hasProto := strings.Cut(value, "/")
	r := PortRange{Proto: "tcp"}
	if hasProto {
		r.Proto = strings.ToLower(proto)
	}
	switch r.Proto {
	case "tcp", "udp", "sctp":
	default:
		return PortRange{}, errors.New("unknown protocol " + strconv.Quote(proto))
	}
	first, last, isRange := strings.Cut(ports, "-")
	var err error
	if r.Low, err = portNumber(first); err != nil {
		return PortRange{}, err
	}
	r.High = r.Low
	if isRange {
		if r.High, err = portNumber(last); err != nil {
			return PortRange{}, err
		}
		if r.High < r.Low {
			return PortRange{}, errors.New("the range ends before it starts")
		}
	}
	return r, nil
}

func portNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || s[0] == '+' || n < 1 || n > 65535 {
		return 0, errors.New("not a port from 1 to 65535: " + strconv.Quote(s))
	}
	return n, nil
}

// ParseDuration parses a healthcheck duration such as 30s or 1m30s, as
// Go's time.ParseDuration does, and refuses a negative one.
func ParseDuration(value string) (time.Duration, error) {
	d, err := time.ParseDuration(value)
	if err != nil {
		return 0, errors.New("not a duration")
	}
	if d < 0 {
		return 0, errors.New("negative")
	}
	return d, nil
}
