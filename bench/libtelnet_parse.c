/* C libtelnet's parse speed on the same streams as benches/parse.rs, for a side-by-side figure.
 *
 *   cc -O2 bench/libtelnet_parse.c -ltelnet -o target/libtelnet_parse && target/libtelnet_parse
 *
 * Streams (64 MiB each, fed in 4 KiB and 64 KiB chunks, median of 7 runs):
 *   plain text: 60-character ASCII lines ending in CR LF;
 *   MUD-like: text lines each ending in IAC GA, an IAC IAC every 5 lines, a NAWS
 *   subnegotiation every 40 lines.
 * The event handler only counts data bytes (libtelnet hands out pointers into the input). */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* libtelnet.h uses size_t and va_list without including their headers. */
#include <libtelnet.h>

#define TOTAL (64u << 20)
#define RUNS 7

static size_t data_bytes;

static void handler(telnet_t *telnet, telnet_event_t *ev, void *user) {
    (void)telnet;
    (void)user;
    if (ev->type == TELNET_EV_DATA) data_bytes += ev->data.size;
}

static const telnet_telopt_t telopts[] = {{-1, 0, 0}};

static unsigned char *plain_text(size_t *len) {
    const char *line = "The quick brown fox jumps over the lazy dog; 0123456789 abcd\r\n";
    size_t n = strlen(line);
    unsigned char *out = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++) out[i] = (unsigned char)line[i % n];
    *len = TOTAL;
    return out;
}

static unsigned char *mud_stream(size_t *len) {
    const char *text = "You see a dark room. Exits: north, south, east. HP: 100/100 ";
    const unsigned char naws[] = {255, 250, 31, 0, 80, 0, 24, 255, 240};
    unsigned char *out = malloc(TOTAL + 1024);
    size_t at = 0;
    for (size_t n = 0; at < TOTAL; n++) {
        memcpy(out + at, text, strlen(text));
        at += strlen(text);
        if (n % 5 == 0) { out[at++] = 255; out[at++] = 255; }
        out[at++] = '\r'; out[at++] = '\n'; out[at++] = 255; out[at++] = 249;
        if (n % 40 == 0) { memcpy(out + at, naws, sizeof naws); at += sizeof naws; }
    }
    *len = at;
    return out;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double mib_per_s(const unsigned char *buf, size_t len, size_t chunk) {
    double times[RUNS];
    for (int r = 0; r < RUNS; r++) {
        telnet_t *t = telnet_init(telopts, handler, 0, NULL);
        data_bytes = 0;
        double t0 = now();
        for (size_t i = 0; i < len; i += chunk) {
            size_t n = len - i < chunk ? len - i : chunk;
            telnet_recv(t, (const char *)buf + i, n);
        }
        times[r] = now() - t0;
        telnet_free(t);
    }
    qsort(times, RUNS, sizeof times[0], cmp);
    return (double)len / (1 << 20) / times[RUNS / 2];
}

int main(void) {
    size_t plain_len, mud_len;
    unsigned char *plain = plain_text(&plain_len);
    unsigned char *mud = mud_stream(&mud_len);
    printf("%-24s %6s %14s\n", "stream", "chunk", "libtelnet MiB/s");
    size_t chunks[] = {4096, 65536};
    for (int c = 0; c < 2; c++)
        printf("%-24s %5zuK %14.0f\n", "plain text", chunks[c] / 1024, mib_per_s(plain, plain_len, chunks[c]));
    for (int c = 0; c < 2; c++)
        printf("%-24s %5zuK %14.0f\n", "MUD-like, IAC-heavy", chunks[c] / 1024, mib_per_s(mud, mud_len, chunks[c]));
    free(plain);
    free(mud);
    return 0;
}
