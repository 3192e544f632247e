/*
 * cli.h - what the spytag program's subcommands share: messages, exit
 * codes, strict number parsing, the training options, the model search and
 * the progress bar.  The program uses libspytag only through spytag.h.
 */
#ifndef SPYTAG_CLI_H
#define SPYTAG_CLI_H

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "spytag.h"

#include <getopt.h>
#include <stdio.h>

/* Exit codes, listed in every --help. */
enum {
    EXIT_OK = 0,
    EXIT_SOME_FAILED = 1,   /* some inputs failed; the rest were done */
    EXIT_USAGE = 2,         /* bad command line */
    EXIT_FATAL = 3          /* nothing useful could be done */
};

#define EXIT_CODES_HELP \
    "Exit status: 0 success, 1 some inputs failed (the others were done),\n" \
    "2 usage error, 3 fatal error (model, corpus or output unusable).\n"

/* Messages to stderr, "spytag: " first, a newline added. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a library error as "spytag: FILE:LINE: message". */
void cli_liberror(const spytag_error *err, int status);
/* A usage error: the message, a hint to --help, and EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The usage error for what getopt_long returned as ch: ':' (a value is
 * missing) or '?' (an unknown or ambiguous option, or a value given to
 * one that takes none), with ':' first in its option string so that
 * getopt itself prints nothing.  Names the option; lo is the command's
 * long options, before the value of optind when getopt_long was called
 * (a short option inside a cluster leaves optind where it was). */
struct option;
int cli_bad_option(const char *cmd, int ch, int argc, char *const *argv,
                   const struct option *lo, int before);

/* Strict parsing: the whole string, a plain decimal number (an optional
 * '-', digits; for a double a fraction and an exponent too; no white
 * space, '+', hex, inf or nan), no overflow, within [lo, hi]. */
int cli_parse_long(const char *s, long lo, long hi, long *out);
int cli_parse_double(const char *s, double lo, double hi, double *out);

/* Training options shared by train and eval: getopt_long entries (ids
 * from 1000 up) and their handler.  cli_train_option returns 0 when it
 * handled c, 1 when c is not a training option, -1 on a bad value (already
 * reported). */
#define CLI_TRAIN_LONGOPTS \
    { "ngram", required_argument, NULL, 1000 }, \
    { "min-df", required_argument, NULL, 1001 }, \
    { "max-df", required_argument, NULL, 1002 }, \
    { "stem", no_argument, NULL, 1003 }, \
    { "no-stem", no_argument, NULL, 1004 }, \
    { "stopwords", no_argument, NULL, 1005 }, \
    { "no-stopwords", no_argument, NULL, 1006 }, \
    { "solver", required_argument, NULL, 1007 }, \
    { "cost", required_argument, NULL, 'C' }, \
    { "balanced", no_argument, NULL, 1008 }, \
    { "nb", no_argument, NULL, 1013 }, \
    { "no-nb", no_argument, NULL, 1014 }, \
    { "tune-folds", required_argument, NULL, 1009 }, \
    { "tune-method", required_argument, NULL, 1015 }, \
    { "multi-label", no_argument, NULL, 1010 }, \
    { "multi-class", no_argument, NULL, 1011 }, \
    { "seed", required_argument, NULL, 1012 }, \
    { "jobs", required_argument, NULL, 'j' }
#define CLI_TRAIN_HELP \
    "Training settings:\n" \
    "  --ngram N          1 = words, 2 = words and word pairs (default 2)\n" \
    "  --min-df N         keep terms in at least N documents (default 2)\n" \
    "  --max-df F         drop terms in more than fraction F (default 1);\n" \
    "                     pairs are of kept words only, so the cut-offs\n" \
    "                     also drop the pairs of the words they drop\n" \
    "  --stem, --no-stem  Snowball English stemming (default off)\n" \
    "  --stopwords, --no-stopwords  drop English stop words (default on)\n" \
    "  --solver NAME      dcd (default; LIBLINEAR's algorithm, multi-threaded),\n" \
    "                     liblinear or libsvm (the libraries, one thread)\n" \
    "  -C, --cost X       SVM cost (default 1)\n" \
    "  --balanced         weight positives by their rarity (capped at 10)\n" \
    "  --nb, --no-nb      scale features per topic by naive Bayes ratios\n" \
    "                     (NBSVM; dcd solver only; default on)\n" \
    "  --tune-folds K     folds for thresholds and scores, 0 = off (def. 3)\n" \
    "  --tune-method M    where the out-of-fold values for them come from:\n" \
    "                     folds (K fold models), loo (leave-one-out estimate,\n" \
    "                     dcd only, no extra training) or auto (default: loo\n" \
    "                     from 1000 documents on, folds below)\n" \
    "  --multi-label, --multi-class  force the kind of model (default:\n" \
    "                     multi-class when every document has one topic)\n" \
    "  --seed N           fixes folds and solver shuffles (default 1)\n" \
    "  -j, --jobs N       threads (default: all cores); the model is the same\n"
int cli_train_option(const char *cmd, int c, const char *arg,
                     spytag_options *o);
/* The checks of training options against each other, once all are read:
 * 0, or a usage error reported, returning EXIT_USAGE.  It also settles
 * what cli_train_defaults leaves open (nb -1: neither --nb nor --no-nb was
 * given, so the library's default), so it must come before *o is used. */
int cli_train_check(const char *cmd, spytag_options *o);
/* spytag_options_init plus the program's defaults (threads = cores; nb
 * left open for cli_train_check). */
void cli_train_defaults(spytag_options *o);

/* The model to use: `given` (-m), else $SPYTAG_MODEL, else the shipped
 * model (build tree or installed data folder).  Returns a path to a static
 * or environment string; never NULL. */
const char *cli_model_path(const char *given);

/* Progress on stderr when it is a terminal (or forced); quiet otherwise. */
typedef struct cli_progress {
    int on;
    double last;            /* time of the last update, seconds */
    char stage[32];         /* the stage it showed */
    int dirty;
} cli_progress;
void cli_progress_init(cli_progress *p, int force_on, int force_off);
void cli_progress_update(cli_progress *p, const char *stage, size_t done,
                         size_t total);
void cli_progress_done(cli_progress *p);
/* A spytag_progress_fn that forwards to a cli_progress. */
void cli_progress_cb(void *user, const char *stage, size_t done,
                     size_t total);

/* Seconds since some fixed point (monotonic). */
double cli_now(void);

/* Flushes and closes stdout; reports and returns EXIT_FATAL on a write
 * error, else `code`. */
int cli_finish_stdout(int code);

/* A growable output buffer, owned by one thread: formatting an answer
 * takes many small writes, which a FILE would lock one by one.  Start
 * from all zeros; on a failed allocation, oom is set and what follows is
 * dropped.  cli_buf_free frees p (and accepts an empty buffer). */
typedef struct cli_buf {
    char *p;
    size_t n, cap;
    int oom;
} cli_buf;
void cli_buf_put(cli_buf *b, const void *s, size_t n);
void cli_buf_puts(cli_buf *b, const char *s);
void cli_buf_free(cli_buf *b);
static inline void cli_buf_putc(cli_buf *b, char c)
{
    if (b->n < b->cap)
        b->p[b->n++] = c;
    else
        cli_buf_put(b, &c, 1);
}

/* JSON string writer (RFC 8259 escaping; invalid UTF-8 becomes U+FFFD). */
void cli_json_string(cli_buf *b, const char *s, size_t len);

/* Subcommands. */
int cmd_train(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);

#endif
