"""Where recipes come from: built-in names, paths, installed packages and pinned git commits."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, overload

from align.errors import AlignError, GitError
from align.recipe.messages import did_you_mean
from align.resources import data_dir

if TYPE_CHECKING:  # imported where used: align check must start fast
    from align.git import Git

log = logging.getLogger("align.recipe")

ENTRY_POINT_GROUP = "align.recipes"
REPOSITORY_FILES = (".align.yaml", ".align.yml")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_SHA = re.compile(r"[0-9a-f]{40}\Z")


class SourceError(AlignError):
    """A recipe reference that cannot be followed; the resolver locates it in the recipe."""

    exit_code = 2


MAX_BYTES = 1024**2  # a recipe larger than this is refused before it is parsed (YAML of 50 MB: 60 s, 900 MB)


@dataclass(frozen=True, kw_only=True)
class GitPin:
    """A file in a git repository at a pinned commit."""

    url: str
    sha: str
    path: str

    def __str__(self) -> str:
        return f"git+{self.url}@{self.sha}#{self.path}"


@dataclass(frozen=True, kw_only=True)
class TreePin:
    """A file of this repository at a commit: the target's ``.align.yaml`` and the files it extends."""

    root: Path  # the working tree whose git reads it
    commit: str
    path: str
    label: str  # what the user calls the commit: ``origin/main``


@dataclass(frozen=True, kw_only=True)
class Source:
    """A recipe file and how it was found."""

    name: str
    kind: str  # built-in | package | repository | target | file | git
    display: str  # what messages call the file
    path: Path  # the file on disk (for git and target: the cached copy)
    pin: GitPin | None = None
    tree: TreePin | None = None
    owner: str = ""  # the distribution that publishes a package recipe
    found: str = ""  # how discovery chose it: option | working_tree | target | default ("" when not discovered)
    why: str = ""  # the same, in words, for the console, `align plan` and `align check`

    def read(self) -> str:
        """Return the recipe's text; refuse a file larger than ``MAX_BYTES`` (without reading it all)."""
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise SourceError(
                    f"recipe {self.display} is larger than {MAX_BYTES // 1024**2} MB: a recipe is a few lines "
                    "of YAML (is this the right file?)"
                )
            return data.decode("utf-8")
        except FileNotFoundError:
            raise SourceError(f"recipe file not found: {self.display}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise SourceError(f"cannot read recipe {self.display}: {error}") from None


def builtin_names() -> list[str]:
    """Return the names of the built-in recipes."""
    return sorted(path.stem for path in data_dir("recipes").glob("*.yaml"))


def builtin(name: str) -> Source:
    """Return the built-in recipe ``name``."""
    path = data_dir("recipes") / f"{name}.yaml"
    if not (_NAME.match(name) and len(name) < 100 and path.is_file()):
        known = builtin_names()
        raise SourceError(
            f"no built-in recipe named {name!r}{did_you_mean(name, known)}",
            hint=f"built-in recipes: {', '.join(known)}; a path starts with ./ or ends with .yaml",
        )
    return Source(name=name, kind="built-in", display=_display(path), path=path)


def file(path: Path, *, kind: str = "file") -> Source:
    """Return the recipe at ``path``."""
    try:
        path = Path(os.path.abspath(path.expanduser()))  # one spelling per file, so that cycles are found at once
        found = path.is_file()
    except (OSError, RuntimeError) as error:
        raise SourceError(f"cannot use {str(path)[:80]!r} as a recipe path: {error}") from None
    display = _display(path)
    if not found:
        raise SourceError(f"recipe file not found: {display}")
    return Source(name=_stem(path.name), kind=kind, display=display, path=path)


def repository_recipe(root: Path) -> Source | None:
    """Return the repository's own ``.align.yaml`` (or ``.align.yml``), if it has one."""
    for name in REPOSITORY_FILES:
        if (root / name).is_file():
            return file(root / name, kind="repository")
    return None


def packages() -> dict[str, list[tuple[str, str]]]:
    """Return ``{recipe name: [(distribution, module), ...]}`` for every published recipe."""
    from importlib.metadata import distributions

    found: dict[str, list[tuple[str, str]]] = {}
    for dist in distributions():
        for entry in dist.entry_points:
            if entry.group == ENTRY_POINT_GROUP:
                owners = found.setdefault(entry.name, [])
                if (dist.metadata["Name"], entry.value) not in owners:
                    owners.append((dist.metadata["Name"], entry.value))
    return found


def package(name: str, published: dict[str, list[tuple[str, str]]] | None = None) -> Source:
    """Return the recipe ``name`` published by an installed package (``package:NAME``).

    Args:
        published: the result of ``packages()``, when the caller already has it.
    """
    from importlib.resources import files

    published = packages() if published is None else published
    owners = published.get(name, [])
    if not owners:
        raise SourceError(
            f"no installed package publishes a recipe named {name!r}{did_you_mean(name, published)}",
            hint="install the package that provides it; packages publish recipes "
            f"through the {ENTRY_POINT_GROUP!r} entry-point group",
        )
    if len(owners) > 1:
        names = ", ".join(owner for owner, _ in owners)
        raise SourceError(f"recipe {name!r} is published by more than one package: {names}; uninstall all but one")
    owner, module = owners[0]
    try:
        path = Path(str(files(module) / f"{name}.yaml"))
    except (ImportError, TypeError) as error:
        raise SourceError(
            f"package {owner} publishes recipe {name!r} from module {module!r}, which fails to import: {error}"
        ) from None
    if not path.is_file():
        raise SourceError(f"package {owner} publishes recipe {name!r}, but {name}.yaml is missing from {module}")
    return Source(name=name, kind="package", display=f"package:{name} ({owner})", path=path, owner=owner)


def parse_git(reference: str) -> GitPin:
    """Parse ``git+URL@SHA#path.yaml``; refuse what is not pinned or not safe."""
    body = reference.removeprefix("git+")
    example = "extends: git+https://host/team/recipes.git@<40-hex commit>#path/recipe.yaml"
    if "#" not in body or "@" not in body.split("#", 1)[0]:
        raise SourceError(f"a git recipe is written {example}; found {reference!r}")
    location, path = body.rsplit("#", 1)
    url, sha = location.rsplit("@", 1)
    lowered = url.lower()
    if lowered.startswith(("ext::", "fd::")) or "::" in url.split("/", 1)[0]:
        raise SourceError(f"remote helper URLs such as {url.split('::')[0]}:: run commands and are refused")
    if not url or url.startswith("-"):
        raise SourceError(f"invalid git URL {url!r}")
    if not _SHA.match(sha):
        raise SourceError(
            f"{sha!r} is not a full commit id: a git recipe is pinned to a commit, not a branch or a tag",
            hint=f"find the commit with `git ls-remote {url} {sha}` and write {example}",
        )
    return GitPin(url=url, sha=sha, path=_repository_path(path))


def _repository_path(path: str) -> str:
    clean = PurePosixPath(path)
    if not path or clean.is_absolute() or ".." in clean.parts:
        raise SourceError(f"the path after # must be relative to the repository root, found {path!r}")
    return str(clean)


def git(pin: GitPin) -> Source:
    """Return the pinned git recipe, fetching it into the cache the first time.

    The cache is keyed by URL, commit and path (``git/<url key>/<sha>/<path>``): a commit cached from one
    URL never vouches for another URL, and entries of the older ``git/<sha>/<path>`` layout are never read.
    """
    cached = cached_path(pin)
    if not cached.is_file():
        _fetch(pin, cached)
    return Source(name=_stem(pin.path), kind="git", display=str(pin), path=cached, pin=pin)


def cached_path(pin: GitPin) -> Path:
    """Return where the cache keeps the file ``pin`` names."""
    return cache_dir() / "git" / _url_key(pin.url) / pin.sha / pin.path


def relative(reference: str, base: Source) -> Source:
    """Return the recipe a path in ``base``'s ``extends`` names: beside ``base``, in its commit for git."""
    if base.pin is not None or base.tree is not None:
        if reference.startswith(("/", "~")):
            raise SourceError(f"a recipe from git extends files of its own commit only, found {reference!r}")
        at = base.pin.path if base.pin is not None else base.tree.path  # type: ignore[union-attr]
        joined = _repository_path(os.path.normpath(PurePosixPath(at).parent / reference))
        if base.tree is not None:
            return tree_file(TreePin(root=base.tree.root, commit=base.tree.commit, path=joined, label=base.tree.label))
        assert base.pin is not None
        return git(GitPin(url=base.pin.url, sha=base.pin.sha, path=joined))
    return file(Path(reference) if reference.startswith("~") else base.path.parent / reference)


def locate(reference: str, base: Source | None, cwd: Path) -> Source:
    """Return the recipe ``reference`` names, as written in ``extends:`` or ``--recipe``."""
    if reference.startswith("git+"):
        return git(parse_git(reference))
    if reference.startswith("package:"):
        return package(reference.removeprefix("package:"))
    if _is_path(reference):
        if base is not None:
            return relative(reference, base)
        return file(cwd / reference)
    return builtin(reference)


def discover(
    reference: str | None,
    cwd: Path,
    *,
    root: Path | None = None,
    target: Callable[[], tuple[str, str] | None] | None = None,
) -> Source:
    """Return the recipe to use and say how it was found.

    In this order: ``--recipe``; the working tree's ``.align.yaml``; the target's ``.align.yaml`` (the
    team's source of truth, read from the remote-tracking target ref, so that a branch older than the
    file gets it too); the built-in ``default``.

    Args:
        root: the repository's root when the caller knows it (saves a git call).
        target: returns the remote-tracking ref of the target and its name (``refs/remotes/origin/main``,
            ``origin/main``), or None when it is not there; called only when the working tree has no recipe.
    """
    if reference:
        found = locate(reference, None, cwd)
        return replace(found, found="option", why=f"given with --recipe {reference}")
    if root is None:
        from align.git import Git  # lazy: start-up time of align check

        root = Git(cwd).toplevel()
    if root is None:
        return replace(builtin("default"), found="default", why="the built-in default: not in a git repository")
    own = repository_recipe(root)
    if own is not None:
        return replace(own, found="working_tree", why=f"the working tree's {own.path.name}")
    ref = target() if target is not None else None
    if ref is not None:
        theirs = target_recipe(root, *ref)
        if theirs is not None:
            return replace(
                theirs, found="target", why=f"the target's {theirs.name} on {ref[1]}; the working tree has none"
            )
    where = f"in the working tree or on {ref[1]}" if ref is not None else "in the working tree (and no target ref)"
    return replace(builtin("default"), found="default", why=f"the built-in default: no .align.yaml {where}")


def target_recipe(root: Path, ref: str, label: str) -> Source | None:
    """Return the ``.align.yaml`` (or ``.align.yml``) of commit ``ref``, or None when it has none."""
    from align.git import Git  # lazy: start-up time of align check

    commit = Git(root).commit_of(ref)
    if commit is None:
        return None
    for name in REPOSITORY_FILES:
        found = tree_file(TreePin(root=root, commit=commit, path=name, label=label), missing_ok=True)
        if found is not None:
            return found
    return None


@overload
def tree_file(pin: TreePin) -> Source: ...
@overload
def tree_file(pin: TreePin, *, missing_ok: bool) -> Source | None: ...
def tree_file(pin: TreePin, *, missing_ok: bool = False) -> Source | None:
    """Return the file ``pin`` names, copied into the cache (by commit and path) to be read like any recipe."""
    from align.git import Git  # lazy: start-up time of align check

    cached = cache_dir() / "tree" / pin.commit / pin.path
    display = f"{pin.label}:{pin.path}"
    source = Source(name=_stem(pin.path), kind="target", display=display, path=cached, tree=pin)
    if cached.is_file():
        return source
    repo = Git(pin.root)
    try:
        if not _cache_file(repo, pin.commit, pin.path, cached, display=display):
            if missing_ok:
                return None
            raise SourceError(f"{pin.path} is not a file at {pin.label} ({pin.commit[:12]})")
    except GitError as error:
        raise SourceError(f"cannot read {display}: {error.stderr.strip() or error.message}") from None
    except OSError as error:
        raise SourceError(f"cannot write the recipe cache {cache_dir()}: {error}") from None
    return source


def cache_dir() -> Path:
    """Return align's cache folder (``$XDG_CACHE_HOME/align``, else ``~/.cache/align``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "align"


def _fetch(pin: GitPin, cached: Path) -> None:
    from align.git import ALLOWED_PROTOCOLS, Git  # lazy: start-up time of align check

    store = cache_dir() / "repos" / (_url_key(pin.url) + ".git")
    try:
        store.mkdir(parents=True, exist_ok=True)
        repo = Git(store, env={"GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS})
        repo.init_bare()
        log.info("fetching recipe %s (once; cached in %s)", pin, cache_dir())
        present = repo.has_commit(pin.sha) or repo.fetch_commit(pin.url, pin.sha)
        if not present:
            raise SourceError(f"commit {pin.sha} is not in {pin.url}")
        if not _cache_file(repo, pin.sha, pin.path, cached, display=str(pin)):
            raise SourceError(f"{pin.path} is not a file at commit {pin.sha[:12]} of {pin.url}")
    except GitError as error:
        raise SourceError(f"cannot fetch {pin.url}: {error.stderr.strip() or error.message}") from None
    except OSError as error:
        raise SourceError(f"cannot write the recipe cache {cache_dir()}: {error}") from None


def _cache_file(repo: Git, commit: str, path: str, cached: Path, *, display: str) -> bool:
    """Copy recipe ``path`` at ``commit`` of ``repo`` into the cache at ``cached`` (atomically); False when
    it is not a file there. A file over ``MAX_BYTES`` is neither read nor cached."""
    size = repo.run("cat-file", "-s", f"{commit}:{path}", ok=(0, 128))
    if size.code != 0:
        return False
    if int(size.stdout) > MAX_BYTES:
        raise SourceError(f"recipe {display} is larger than {MAX_BYTES // 1024**2} MB: a recipe is a few lines of YAML")
    text = repo.show_file(commit, path)
    if text is None:
        return False
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(cached)
    return True


def _url_key(url: str) -> str:
    """Return the cache's name for ``url`` (16 hex digits: never the length of a commit id)."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _is_path(reference: str) -> bool:
    return reference.startswith(("./", "../", "/", "~")) or reference.endswith((".yaml", ".yml")) or "/" in reference


def _stem(name: str) -> str:
    """Return a recipe's name from its file name: ``team.yaml`` -> ``team``; dotfiles keep their name."""
    base = PurePosixPath(name).name
    if base.startswith("."):
        return base
    for suffix in (".yaml", ".yml"):
        base = base.removesuffix(suffix)
    return base


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
