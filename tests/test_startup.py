"""What a command loads before it does anything: `digest --help` none of the stages' libraries, and the shared
text primitives no NLTK. (How long start-up takes is measured by bench/startup.py, never here.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

STAGE_LIBRARIES = {
    "apscheduler",
    "feedgen",
    "feedparser",
    "httpx",
    "jinja2",
    "nltk",
    "numpy",
    "punkt",
    "rich",
    "scipy",
    "sumy.nlp",  # the sumy package itself is only its data files here: text.py reads its stop words
    "sumy.summarizers",
    "trafilatura",
    "wordfreq",
    "yagmail",
}


def _loaded_after(code: str, libraries: set[str]) -> set[str]:
    """Which of `libraries` (packages, or modules in them) are loaded after `code` runs in a fresh interpreter."""
    script = f"{code}\nimport sys\nprint()\nprint(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    modules = done.stdout.splitlines()[-1].split()
    return {name for name in libraries if any(m == name or m.startswith(name + ".") for m in modules)}


def test_help_loads_no_stage_library() -> None:
    code = "from digest.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert _loaded_after(code, {"click", *STAGE_LIBRARIES}) == {"click"}


def test_stems_and_stop_words_need_no_nltk() -> None:
    code = "from digest import text\nassert text.terms('The councils were organizing')"
    assert _loaded_after(code, {"nltk", "scipy", "sumy.utils", "requests"}) == set()


def test_stems_are_snowball_english_as_nltk_gave_them() -> None:
    from digest.text import stem

    # Snowball 3 (PyStemmer 3) gives "organiz", "add", "evening": stems would change and clusters with them.
    words = ["organizations", "added", "evening", "running", "generously", "Councils", "studio’s"]
    assert [stem(w) for w in words] == ["organ", "ad", "even", "run", "generous", "council", "studio"]


def _preview_code(tmp_path: Path) -> str:
    """A fresh interpreter's seeds preview, as `digest preview` runs it (from a copy of config.toml)."""
    (tmp_path / "config.toml").write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    return (
        f"import os\nos.chdir({str(tmp_path)!r})\nfrom digest.cli import main\n"
        "try:\n    main(['preview', '--config', 'config.toml'])\nexcept SystemExit:\n    pass\n"
        "assert os.path.exists('out/preview.html')"
    )


def test_preview_loads_no_run_machinery(tmp_path: Path) -> None:
    """A preview builds and writes files: the state store (SQLAlchemy), delivery (and its SMTP client, yagmail),
    webhooks and the feeds (feedgen) wait for a run."""
    run_machinery = {"sqlalchemy", "psycopg", "digest.store", "digest.send", "digest.channels.webhook", "yagmail"}
    run_machinery |= {"feedgen"}
    assert _loaded_after(_preview_code(tmp_path), run_machinery) == set()


def test_preview_of_files_loads_neither_httpx_nor_wordfreq(tmp_path: Path) -> None:
    """The seeds are files: no HTTP client. Their words are plain English, read from wordfreq's list directly."""
    assert _loaded_after(_preview_code(tmp_path), {"httpx", "httpcore", "wordfreq", "langcodes"}) == set()


def test_templates_are_compiled_once(tmp_path: Path) -> None:
    """The second preview reads the templates' compiled code from Jinja's bytecode cache (a folder of the
    temporary folder, here tmp_path) and writes the same digest."""
    folder = tmp_path / "preview"
    folder.mkdir()
    counted = (
        "import jinja2\ncompiled = []\noriginal = jinja2.Environment.compile\n"
        "jinja2.Environment.compile = lambda self, *a, **k: compiled.append(a) or original(self, *a, **k)\n"
        f"{_preview_code(folder)}\nprint(len(compiled))"
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    outputs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", counted], capture_output=True, text=True, check=True, env=environment
        )
        outputs.append((done.stdout.split()[-1], (folder / "out" / "preview.html").read_bytes()))
    assert outputs[0][0] != "0"  # the first compiles
    assert outputs[1][0] == "0"  # the second compiles nothing
    assert outputs[0][1] == outputs[1][1]
    assert list(tmp_path.glob("_jinja2-cache-*/__digest-render-*.cache"))


def test_components_are_numbered_as_scipys_csgraph_numbers_them() -> None:
    """Linking finds connected components itself (csgraph costs 0.04 s to import): the same labels as csgraph's
    over random graphs, chains and edgeless nodes, so clusters come out the same."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    from digest.cluster.linking import components

    rng = np.random.default_rng(12)
    graphs = [(size, rng.integers(0, size, edges), rng.integers(0, size, edges)) for size, edges in [(1, 0), (5, 0)]]
    for _ in range(200):
        size = int(rng.integers(1, 300))
        edges = int(rng.integers(0, 2 * size))
        graphs.append((size, rng.integers(0, size, edges), rng.integers(0, size, edges)))
    chain = np.arange(999)[::-1]
    graphs.append((1000, chain, chain + 1))
    for size, first, second in graphs:
        graph = sparse.coo_matrix((np.ones(len(first)), (first, second)), (size, size))
        expected = csgraph.connected_components(graph, directed=False)[1]
        assert components(size, first, second).tolist() == expected.tolist()


def test_clustering_loads_no_sparse_linear_algebra() -> None:
    code = (
        "from datetime import datetime\nfrom digest.cluster import cluster\nfrom digest.models import Article\n"
        "a = [Article(id=str(i), title=f'Council votes on budget {i}', url=f'https://x/{i}', outlet=f'o{i}', "
        "text='The city council voted on the budget today.', published=datetime(2026, 1, 1)) for i in range(3)]\n"
        "assert cluster(a)"
    )
    assert _loaded_after(code, {"scipy.sparse.csgraph", "scipy.sparse.linalg", "scipy.linalg"}) == set()
