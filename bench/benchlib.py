"""Shared helpers for the spytag benchmark programs (bench/accuracy, bench/speed).

Only the standard library is imported at module level; the scikit-learn
helpers import sklearn lazily so that `--help` works without it.

Conventions used by both programs:
  * MB means 10**6 bytes; "text bytes" are the UTF-8 bytes of the "text"
    field of each document (not the JSON line around it).
  * Times are wall-clock seconds measured with time.perf_counter().
"""

import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))
DEFAULT_SPYTAG = os.path.join(REPO, "src", "spytag")
SHIPPED_MODEL = os.path.join(REPO, "models", "spytag.model")
DATASETS = ("reuters21578", "20newsgroups", "bbc")

# The fastText setting shared by both programs (see the benchmark brief).
FASTTEXT_TRAIN_ARGS = ["-lr", "0.5", "-epoch", "25", "-wordNgrams", "2"]
FASTTEXT_SHUFFLE_SEED = 1


def log(msg):
    """Progress message on stderr (stdout is kept for the results)."""
    print(msg, file=sys.stderr, flush=True)


# ---- data ------------------------------------------------------------------

def read_jsonl(path):
    """Return the documents of a {"id", "labels", "text"} JSON Lines file."""
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                docs.append(json.loads(line))
    return docs


def split_paths(data_dir, dataset):
    """(train.jsonl, test.jsonl) of a data set; exits if missing."""
    paths = tuple(os.path.join(data_dir, dataset, s + ".jsonl")
                  for s in ("train", "test"))
    for p in paths:
        if not os.path.isfile(p):
            sys.exit("missing data file: %s" % p)
    return paths


def text_bytes(docs):
    """Total UTF-8 bytes of the documents' texts."""
    return sum(len(d["text"].encode("utf-8")) for d in docs)


def is_multilabel(docs):
    return any(len(d["labels"]) != 1 for d in docs)


# ---- external programs -----------------------------------------------------

def require_program(path_or_name):
    """Absolute path of an executable, or exit with a clear message."""
    if os.sep in path_or_name:
        if os.access(path_or_name, os.X_OK):
            return os.path.abspath(path_or_name)
    else:
        found = shutil.which(path_or_name)
        if found:
            return found
    sys.exit("program not found or not executable: %s" % path_or_name)


def run(cmd, stdin=None, stdout=None, capture=False):
    """Run cmd (a list); return (seconds, stdout text or None).

    stdin/stdout may be paths (opened here) or None.  With capture=True the
    standard output is returned as text.  Standard error is captured and
    shown only if the command fails, which aborts the benchmark."""
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    fout = open(stdout, "wb") if stdout else (
        subprocess.PIPE if capture else subprocess.DEVNULL)
    try:
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t0
    finally:
        if stdin:
            fin.close()
        if stdout:
            fout.close()
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode("utf-8", "replace")[-4000:])
        sys.exit("command failed (exit %d): %s"
                 % (p.returncode, " ".join(shlex.quote(c) for c in cmd)))
    out = p.stdout.decode("utf-8") if capture else None
    return elapsed, out


def package_version(pkg):
    """Debian package version, or '?'."""
    try:
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                              capture_output=True, text=True).stdout or "?"
    except OSError:
        return "?"


def file_sha256(path):
    """Hex SHA-256 of a file (e.g. to record which spytag binary ran)."""
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def spytag_version(spytag):
    try:
        return subprocess.run([spytag, "--version"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return "?"


# ---- scikit-learn peer -----------------------------------------------------

def require_sklearn():
    """Exit with a hint if this interpreter cannot import scikit-learn (the
    Debian packages python3-sklearn etc. serve /usr/bin/python3 only)."""
    try:
        import sklearn  # noqa: F401
        import scipy  # noqa: F401
    except ImportError as e:
        sys.exit("%s cannot import %s; run the benchmark with the Python that "
                 "has python3-sklearn, e.g. /usr/bin/python3 %s"
                 % (sys.executable, e.name, sys.argv[0]))


def sklearn_vectorizer():
    """The TF-IDF settings every TF-IDF peer uses."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(sublinear_tf=True)


def sklearn_classifier(multilabel):
    """LinearSVC with defaults; one-vs-rest for multi-label data."""
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC
    return OneVsRestClassifier(LinearSVC()) if multilabel else LinearSVC()


def sklearn_targets(docs, labels, multilabel):
    """Training targets: a binary indicator matrix (multi-label, columns in
    the order of `labels`) or the list of class names (multi-class)."""
    if multilabel:
        from sklearn.preprocessing import MultiLabelBinarizer
        known = set(labels)
        return MultiLabelBinarizer(classes=labels).fit_transform(
            [[l for l in d["labels"] if l in known] for d in docs])
    return [d["labels"][0] for d in docs]


def sklearn_fit(docs, labels, multilabel):
    """Fit vectorizer + classifier; return (vectorizer, classifier,
    seconds of the fit alone: vectorizer fit_transform + classifier fit)."""
    import warnings
    y = sklearn_targets(docs, labels, multilabel)
    texts = [d["text"] for d in docs]
    vec, clf = sklearn_vectorizer(), sklearn_classifier(multilabel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # LinearSVC ConvergenceWarning
        t0 = time.perf_counter()
        X = vec.fit_transform(texts)
        clf.fit(X, y)
        elapsed = time.perf_counter() - t0
    return vec, clf, elapsed


def sklearn_predict_sets(vec, clf, texts, labels, multilabel):
    """Predicted label sets for texts."""
    pred = clf.predict(vec.transform(texts))
    if multilabel:
        return [{labels[j] for j in row.nonzero()[0]}
                for row in (pred.toarray() if hasattr(pred, "toarray")
                            else pred)]
    return [{p} for p in pred]


# ---- fastText peer ---------------------------------------------------------

def fasttext_text(text):
    """fastText input text: lowercased, one line (newlines -> spaces)."""
    return text.lower().replace("\r", " ").replace("\n", " ")


def write_fasttext_train(docs, path, seed=FASTTEXT_SHUFFLE_SEED):
    """Training file: '__label__A __label__B text', lines shuffled with a
    fixed seed."""
    lines = [" ".join("__label__" + l for l in d["labels"]) + " "
             + fasttext_text(d["text"]) + "\n" for d in docs]
    random.Random(seed).shuffle(lines)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def write_fasttext_test(docs, path):
    """Test file: one document per line, no labels, in input order."""
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(fasttext_text(d["text"]) + "\n")


# ---- output ----------------------------------------------------------------

def format_table(headers, rows, markdown=False, align=None):
    """Plain-text or Markdown table.  align: string of 'l'/'r' per column
    (default: first two left, the rest right)."""
    cells = [[str(c) for c in r] for r in rows]
    if align is None:
        align = "ll" + "r" * (len(headers) - 2)
    if markdown:
        out = ["| " + " | ".join(headers) + " |",
               "|" + "|".join("---:" if a == "r" else "---"
                              for a in align) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in cells]
        return "\n".join(out)
    widths = [max([len(h)] + [len(r[i]) for r in cells])
              for i, h in enumerate(headers)]

    def fmt(r):
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w)
                         for c, w, a in zip(r, widths, align)).rstrip()
    out = [fmt(headers), "  ".join("-" * w for w in widths)]
    out += [fmt(r) for r in cells]
    return "\n".join(out)
