/*
 * cmd_eval.c - spytag eval: k-fold cross-validation on a corpus, or a
 * trained model scored on a labelled test set.
 */
#include "cli.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char usage_text[] =
    "Usage: spytag eval [-k K] [TRAINING SETTINGS] CORPUS\n"
    "       spytag eval -m MODEL TESTSET\n"
    "Measure accuracy.  The first form runs stratified K-fold\n"
    "cross-validation (fixed seed) on CORPUS with the given training\n"
    "settings; the second scores MODEL on a labelled TESTSET (same layouts\n"
    "as training corpora).  Prints per-topic precision, recall, F1 and\n"
    "support, micro- and macro-F1, and the false positives and negatives.\n\n"
    "  -k, --folds K      folds for cross-validation (default 5)\n"
    "  -m, --model MODEL  score this model on TESTSET instead\n"
    "  -f, --format FMT   text (default) or json\n"
    "      --plot FILE    then draw precision and recall per topic (and,\n"
    "                     with -m, micro-F1 by score threshold) into\n"
    "                     FILE.svg or FILE.png with gnuplot\n"
    "  -q, --quiet        no progress\n"
    "      --progress     show progress even when stderr is not a terminal\n"
    "  -h, --help         show this help\n\n" CLI_TRAIN_HELP "\n"
    EXIT_CODES_HELP;

static const struct option longopts[] = {
    { "folds", required_argument, NULL, 'k' },
    { "model", required_argument, NULL, 'm' },
    { "format", required_argument, NULL, 'F' },
    { "plot", required_argument, NULL, 'G' },
    { "quiet", no_argument, NULL, 'q' },
    { "progress", no_argument, NULL, 'P' },
    { "help", no_argument, NULL, 'h' },
    CLI_TRAIN_LONGOPTS,
    { NULL, 0, NULL, 0 }
};

static void print_text(const spytag_eval *ev, const char *what)
{
    size_t t, tp, fp, fn, sfp = 0, sfn = 0, w = 5;
    double p, r, f;
    for (t = 0; t < spytag_eval_ntopics(ev); t++)
        if (strlen(spytag_eval_topic(ev, t)) > w)
            w = strlen(spytag_eval_topic(ev, t));
    printf("%s, %zu documents\n\n", what, spytag_eval_docs(ev));
    printf("%-*s  precision  recall     f1  support\n", (int)w, "topic");
    for (t = 0; t < spytag_eval_ntopics(ev); t++) {
        spytag_eval_counts(ev, t, &tp, &fp, &fn);
        spytag_eval_topic_scores(ev, t, &p, &r, &f);
        sfp += fp;
        sfn += fn;
        printf("%-*s  %9.3f  %6.3f  %5.3f  %7zu\n", (int)w,
               spytag_eval_topic(ev, t), p, r, f, tp + fn);
    }
    printf("\nmicro-F1 %.4f  macro-F1 %.4f  false positives %zu  "
           "false negatives %zu\n",
           spytag_eval_micro_f1(ev), spytag_eval_macro_f1(ev), sfp, sfn);
}

static void print_json(const spytag_eval *ev, const char *mode)
{
    size_t t, tp, fp, fn, sfp = 0, sfn = 0;
    double p, r, f;
    printf("{\"mode\": \"%s\", \"documents\": %zu, \"topics\": [", mode,
           spytag_eval_docs(ev));
    for (t = 0; t < spytag_eval_ntopics(ev); t++) {
        const char *name = spytag_eval_topic(ev, t);
        spytag_eval_counts(ev, t, &tp, &fp, &fn);
        spytag_eval_topic_scores(ev, t, &p, &r, &f);
        sfp += fp;
        sfn += fn;
        printf("%s{\"topic\": ", t ? ", " : "");
        {
            cli_buf b = { 0 };
            cli_json_string(&b, name, strlen(name));
            fwrite(b.p, 1, b.n, stdout);
            cli_buf_free(&b);
        }
        printf(", \"precision\": %.6f, \"recall\": %.6f, \"f1\": %.6f, "
               "\"support\": %zu, \"tp\": %zu, \"fp\": %zu, \"fn\": %zu}",
               p, r, f, tp + fn, tp, fp, fn);
    }
    printf("], \"micro_f1\": %.6f, \"macro_f1\": %.6f, "
           "\"false_positives\": %zu, \"false_negatives\": %zu}\n",
           spytag_eval_micro_f1(ev), spytag_eval_macro_f1(ev), sfp, sfn);
}

/* Per-document scores and gold labels of a test set, kept for the
 * threshold curve of --plot. */
struct sweep {
    size_t ndocs, ntopics;    /* documents; topics of the model */
    size_t nrows;             /* rows of the tally: ntopics + unknown ones */
    double *scores;           /* ndocs x ntopics */
    unsigned char *gold;      /* ndocs x nrows */
};

/* Scores model m on corpus c; topics of c unknown to m become extra rows
 * that are never predicted.  When sw is not NULL, it keeps every
 * document's scores and gold labels (the caller frees them). */
static int score_model(const spytag_model *m, const spytag_corpus *c,
                       spytag_eval **out, struct sweep *sw)
{
    size_t T = spytag_model_ntopics(m), CT = spytag_corpus_ntopics(c);
    size_t n = 0, t, d, k;
    const char **names = malloc((T + CT + 1) * sizeof *names);
    size_t *map = malloc((CT + 1) * sizeof *map);
    unsigned char *gold_c = malloc(CT + 1), *gold = NULL, *pred = NULL;
    spytag_classifier *cl = spytag_classifier_new(m);
    spytag_eval *ev = NULL;
    int rc = EXIT_FATAL;

    if (!names || !map || !gold_c || !cl)
        goto cleanup;
    for (t = 0; t < T; t++)
        names[n++] = spytag_model_topic(m, t);
    for (t = 0; t < CT; t++) {
        const char *ct = spytag_corpus_topic(c, t);
        for (k = 0; k < T && strcmp(names[k], ct) != 0; k++)
            ;
        if (k == T) {
            cli_warn("topic '%s' of the test set is unknown to the model",
                     ct);
            names[n] = ct;
            k = n++;
        }
        map[t] = k;
    }
    gold = malloc(n + 1);
    pred = calloc(n + 1, 1);
    ev = spytag_eval_new(names, n);
    if (!gold || !pred || !ev)
        goto cleanup;
    if (sw) {
        sw->ndocs = spytag_corpus_size(c);
        sw->ntopics = T;
        sw->nrows = n;
        sw->scores = malloc((sw->ndocs * T + 1) * sizeof *sw->scores);
        sw->gold = malloc(sw->ndocs * n + 1);
        if (!sw->scores || !sw->gold)
            goto cleanup;
    }
    for (d = 0; d < spytag_corpus_size(c); d++) {
        size_t len;
        const char *text = spytag_corpus_text(c, d, &len);
        spytag_classify(cl, text, len, sw ? sw->scores + d * T : NULL, NULL,
                        pred);
        spytag_corpus_labels(c, d, gold_c);
        memset(gold, 0, n);
        for (t = 0; t < CT; t++)
            if (gold_c[t])
                gold[map[t]] = 1;
        if (sw)
            memcpy(sw->gold + d * n, gold, n);
        spytag_eval_add(ev, gold, pred);
    }
    *out = ev;
    ev = NULL;
    rc = EXIT_OK;
cleanup:
    if (rc != EXIT_OK)
        cli_error("out of memory");
    spytag_eval_free(ev);
    spytag_classifier_free(cl);
    free(names);
    free(map);
    free(gold_c);
    free(gold);
    free(pred);
    return rc;
}

/* ---- --plot --------------------------------------------------------------- */

/* Micro-F1 over the test set when every topic whose score is at least th
 * is assigned (topics unknown to the model are never assigned). */
static double micro_f1_at(const struct sweep *sw, double th)
{
    size_t d, t, tp = 0, fp = 0, fn = 0;
    for (d = 0; d < sw->ndocs; d++)
        for (t = 0; t < sw->nrows; t++) {
            int gold = sw->gold[d * sw->nrows + t];
            int pred = t < sw->ntopics &&
                       sw->scores[d * sw->ntopics + t] >= th;
            tp += gold && pred;
            fp += !gold && pred;
            fn += gold && !pred;
        }
    return tp ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0.0;
}

/* Writes s as a gnuplot single-quoted string ('' stands for '; a line
 * break would end the command, so it becomes a space). */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('\'', f);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The gnuplot script drawing into `out` (PNG when png, else SVG): a
 * datablock per panel, then the panels. */
static void write_script(FILE *f, const char *out, int png,
                         const spytag_eval *ev, const struct sweep *sw,
                         const char *what)
{
    size_t t, i;
    double p, r, f1, best = -1, best_th = 0;

    fprintf(f, "# made by spytag %s eval --plot\n", spytag_version());
    fprintf(f, "set terminal %s size %d,%d %s\n",
            png ? "pngcairo" : "svg", sw ? 1100 : 620, 460,
            png ? "font 'Sans,10' background rgb 'white'"
                : "dynamic font 'Helvetica,12' background rgb 'white'");
    fputs("set encoding utf8\nset output ", f);
    gp_string(f, out);
    fputs("\n$topics << EOD\n", f);
    for (t = 0; t < spytag_eval_ntopics(ev); t++) {
        const char *s = spytag_eval_topic(ev, t);
        spytag_eval_topic_scores(ev, t, &p, &r, &f1);
        fputc('"', f);
        for (; *s; s++)            /* a quote or backslash would end it */
            fputc(*s == '"' || *s == '\\' ? '_' : *s, f);
        fprintf(f, "\" %.6f %.6f\n", p, r);
    }
    fputs("EOD\n", f);
    if (sw) {
        fputs("$sweep << EOD\n", f);
        for (i = 1; i <= 19; i++) {          /* thresholds 0.05 .. 0.95 */
            double th = (double)i / 20.0, m = micro_f1_at(sw, th);
            if (m > best) {
                best = m;
                best_th = th;
            }
            fprintf(f, "%.2f %.6f\n", th, m);
        }
        fputs("EOD\nset multiplot layout 1,2 title ", f);
        gp_string(f, what);
        fputs(" noenhanced\nset title 'Precision and recall per topic'\n",
              f);
    } else {
        fputs("set title ", f);
        gp_string(f, what);
        fputs(" noenhanced\n", f);
    }
    fputs("set style data histograms\n"
          "set style histogram clustered gap 1\n"
          "set style fill solid 0.85 border -1\n"
          "set yrange [0:1.2]\nset ytics 0, 0.1, 1\nset grid ytics\n"
          "set xtics noenhanced nomirror rotate by -25 left scale 0\n"
          "set key inside top center horizontal\n"
          "plot $topics using 2:xtic(1) title 'precision' lc rgb '#3465a4', \\\n"
          "     '' using 3 title 'recall' lc rgb '#f57900'\n", f);
    if (sw) {
        fprintf(f, "set title 'Micro-F1 with one score threshold for every "
                "topic (best %.3f at %.2f)'\n"
                "set xrange [0:1]\nset yrange [0:1.05]\n"
                "set xtics 0.1 norotate center nomirror scale 1\n"
                "set xlabel 'score threshold'\nset ylabel 'micro-F1'\n"
                "set key inside bottom left vertical Left reverse\n"
                "plot $sweep using 1:2 title 'one threshold' "
                "with linespoints lw 2 pt 7 ps 0.6 lc rgb '#3465a4', \\\n"
                "     %.6f title 'the model''s own tags (%.3f)' with lines "
                "dt 2 lw 2 lc rgb '#cc0000'\n"
                "unset multiplot\n", best, best_th,
                spytag_eval_micro_f1(ev), spytag_eval_micro_f1(ev));
    }
}

/* --plot: writes a gnuplot script to a temporary file and runs gnuplot,
 * found on PATH, to draw into a temporary file beside `out`, renamed into
 * place when gnuplot succeeds.  Returns EXIT_OK, or EXIT_SOME_FAILED after
 * saying why on stderr (the evaluation itself was printed). */
static int plot(const char *out, const spytag_eval *ev,
                const struct sweep *sw, const char *what)
{
    const char *tmpdir = getenv("TMPDIR");
    char script[4096], *tmp_out = NULL;
    char *args[3];
    FILE *f = NULL;
    int fd, status, e, rc = EXIT_SOME_FAILED;
    mode_t mask;
    pid_t pid;

    script[0] = '\0';
    tmp_out = malloc(strlen(out) + 16);
    if (!tmp_out) {
        cli_error("out of memory");
        return rc;
    }
    sprintf(tmp_out, "%s.tmp.XXXXXX", out);
    fd = mkstemp(tmp_out);
    if (fd < 0) {
        cli_error("cannot create '%s': %s", tmp_out, strerror(errno));
        tmp_out[0] = '\0';
        goto cleanup;
    }
    mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    close(fd);

    snprintf(script, sizeof script, "%s/spytag-plot.XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    fd = mkstemp(script);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        cli_error("cannot create '%s': %s", script, strerror(errno));
        if (fd >= 0)
            close(fd);
        script[0] = '\0';
        goto cleanup;
    }
    write_script(f, tmp_out, ends_with(out, ".png"), ev, sw, what);
    e = ferror(f);
    if (fclose(f) != 0 || e) {
        cli_error("cannot write '%s': %s", script, strerror(errno));
        goto cleanup;
    }

    fflush(stdout);
    args[0] = (char *)"gnuplot";
    args[1] = script;
    args[2] = NULL;
    e = posix_spawnp(&pid, "gnuplot", NULL, NULL, args, environ);
    if (e != 0) {
        cli_error("cannot run gnuplot: %s%s; no plot written", strerror(e),
                  e == ENOENT ? " (not on PATH: install gnuplot, e.g. "
                                "apt-get install gnuplot-nox)" : "");
        goto cleanup;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            cli_error("cannot wait for gnuplot: %s", strerror(errno));
            goto cleanup;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        cli_error("gnuplot failed (%s %d); no plot written",
                  WIFEXITED(status) ? "exit status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        goto cleanup;
    }
    if (rename(tmp_out, out) != 0) {
        cli_error("cannot rename '%s' to '%s': %s", tmp_out, out,
                  strerror(errno));
        goto cleanup;
    }
    tmp_out[0] = '\0';
    rc = EXIT_OK;
cleanup:
    if (script[0])
        unlink(script);
    if (tmp_out && tmp_out[0])
        unlink(tmp_out);
    free(tmp_out);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    spytag_options o;
    spytag_corpus *c = NULL;
    spytag_model *m = NULL;
    spytag_eval *ev = NULL;
    spytag_error err;
    cli_progress prog;
    const char *model = NULL, *plot_file = NULL;
    struct sweep sw = { 0, 0, 0, NULL, NULL };
    long k = 5;
    int before;
    int ch, json = 0, quiet = 0, force = 0, rc, code = EXIT_FATAL;
    int trained_opts = 0, k_given = 0;
    char what[600];

    cli_train_defaults(&o);
    optind = 1;
    while ((before = optind,
            ch = getopt_long(argc, argv, ":k:m:f:qhC:j:", longopts, NULL)) != -1) {
        int r;
        switch (ch) {
        case 'k':
            if (cli_parse_long(optarg, 2, 50, &k))
                return cli_usage_error("eval", "invalid --folds '%s' "
                                       "(2 to 50)", optarg);
            k_given = 1;
            break;
        case 'm':
            if (!*optarg)
                return cli_usage_error("eval", "empty --model");
            model = optarg;
            break;
        case 'f':
        case 'F':
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "text") == 0)
                json = 0;
            else
                return cli_usage_error("eval", "invalid --format '%s'",
                                       optarg);
            break;
        case 'G':
            if (!ends_with(optarg, ".svg") && !ends_with(optarg, ".png"))
                return cli_usage_error("eval", "invalid --plot '%s' "
                                       "(FILE.svg or FILE.png)", optarg);
            plot_file = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'P': force = 1; break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish_stdout(EXIT_OK);
        case ':':
        case '?':
            return cli_bad_option("eval", ch, argc, argv,
                                  longopts, before);
        default:
            r = cli_train_option("eval", ch, optarg, &o);
            if (r < 0)
                return EXIT_USAGE;
            if (r > 0)
                return cli_usage_error("eval", "unknown option");
            trained_opts = 1;
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("eval", "expected one %s",
                               model ? "TESTSET" : "CORPUS");
    if (model && trained_opts)
        return cli_usage_error("eval", "training settings do not apply to "
                               "-m MODEL");
    if (model && k_given)
        return cli_usage_error("eval", "--folds does not apply to -m MODEL");
    if (cli_train_check("eval", &o) != 0)
        return EXIT_USAGE;
    cli_progress_init(&prog, force, quiet);
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    memset(&err, 0, sizeof err);
    rc = spytag_corpus_load(argv[optind], &c, &err);
    if (rc != SPYTAG_OK) {
        cli_liberror(&err, rc);
        goto cleanup;
    }
    if (model) {
        rc = spytag_model_load(model, &m, &err);
        if (rc != SPYTAG_OK) {
            cli_liberror(&err, rc);
            goto cleanup;
        }
        if (spytag_corpus_size(c) == 0) {
            /* (figures over no document would be 0s that look like a
             * model that tags nothing right) */
            cli_error("%s: no documents to evaluate", argv[optind]);
            goto cleanup;
        }
        if (score_model(m, c, &ev, plot_file ? &sw : NULL) != EXIT_OK)
            goto cleanup;
        snprintf(what, sizeof what, "model %s on %s", model, argv[optind]);
    } else {
        rc = spytag_cross_validate(c, &o, (int)k, &ev, &err);
        cli_progress_done(&prog);
        if (rc != SPYTAG_OK) {
            cli_liberror(&err, rc);
            goto cleanup;
        }
        snprintf(what, sizeof what, "%ld-fold cross-validation on %s", k,
                 argv[optind]);
    }
    if (json)
        print_json(ev, model ? "test" : "cross-validation");
    else
        print_text(ev, what);
    code = plot_file ? plot(plot_file, ev, model ? &sw : NULL, what)
                     : EXIT_OK;
cleanup:
    free(sw.scores);
    free(sw.gold);
    spytag_eval_free(ev);
    spytag_model_free(m);
    spytag_corpus_free(c);
    return cli_finish_stdout(code);
}
