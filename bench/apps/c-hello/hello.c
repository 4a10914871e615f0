/* hello is the C application of the benchmarks: it prints a greeting and
 * the machine it runs on. */
#include <stdio.h>
#include <sys/utsname.h>

/* The source-change scenario of bench/run.sh edits this line. */
#define GREETING "hello from c-hello"

int main(void) {
	struct utsname u;
	if (uname(&u) != 0) {
		perror("uname");
		return 1;
	}
	printf("%s on %s\n", GREETING, u.machine);
	return 0;
}
