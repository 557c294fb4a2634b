"""Every relative link and ``#anchor`` of the documentation resolves: the
README, ``docs/**/*.md`` and the projects' Markdown files. A link names a
file or folder of the repository; an anchor names a heading of the target
Markdown file, by GitHub's rules (or an explicit ``id`` / ``name``)."""
import glob
import os.path as osp
import re
from collections import Counter

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

FENCE = re.compile(r'^ {0,3}(?:\s*)(`{3,}|~{3,})')
HEADING = re.compile(r'^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$')
SETEXT = re.compile(r'^ {0,3}(=+|-+)[ \t]*$')
CODE_SPAN = re.compile(r'(`+)(.+?)\1', re.S)
# [text](target "title") and ![alt](target); the text may hold brackets
# one level deep (e.g. an image inside a link).
INLINE_LINK = re.compile(
    r'!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)')
REFERENCE_DEF = re.compile(r'^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)', re.M)
HTML_LINK = re.compile(r'<(?:a|img)\b[^>]*?\b(?:href|src)="([^"]*)"', re.I)
HTML_ANCHOR = re.compile(r'<[a-z]+\b[^>]*?\b(?:id|name)="([^"]+)"', re.I)
SCHEME = re.compile(r'^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)')


def documents(root=REPO):
    """The Markdown files whose links are checked."""
    found = [osp.join(root, 'README.md')]
    found += sorted(glob.glob(osp.join(root, 'docs', '**', '*.md'),
                              recursive=True))
    found += sorted(glob.glob(osp.join(root, 'projects', '**', '*.md'),
                              recursive=True))
    return [path for path in found if osp.isfile(path)]


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.split('\n'), 1):
        opened = FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)[0] * 3
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        yield number, line


def slug(heading):
    """GitHub's anchor for a heading's text: inline markup reduced to its
    text, lower case, every character that is not a letter, digit,
    underscore, space or hyphen dropped, each space a hyphen."""
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', heading)  # links
    text = re.sub(r'<[^>]+>', '', text)  # inline HTML
    text = CODE_SPAN.sub(lambda m: m.group(2), text)
    text = re.sub(r'(?<!\w)_+|_+(?!\w)', '', text)  # _emphasis_, not a_b
    text = text.strip().lower()
    return re.sub(r'[^\w\- ]', '', text).replace(' ', '-')


def anchors(text):
    """Every anchor a Markdown file defines: its headings' slugs, with
    GitHub's -1, -2, ... for repeats, and explicit HTML ids / names."""
    found, seen = set(), Counter()
    previous = None
    for _, line in prose_lines(text):
        heading = HEADING.match(line)
        if heading:
            name = slug(heading.group(2))
        elif SETEXT.match(line) and previous and previous.strip():
            name = slug(previous)
        else:
            name = None
        if name is not None:
            found.add(f'{name}-{seen[name]}' if seen[name] else name)
            seen[name] += 1
        found.update(HTML_ANCHOR.findall(line))
        previous = line
    return found


def links(text):
    """(line number, target) of every link and image outside code."""
    for number, line in prose_lines(text):
        line = CODE_SPAN.sub('', line)
        for pattern in (INLINE_LINK, HTML_LINK):
            for target in pattern.findall(line):
                yield number, target
    for match in REFERENCE_DEF.finditer(text):
        yield text.count('\n', 0, match.start()) + 1, match.group(1)


def problems(path, root=REPO):
    """One line per link of ``path`` that does not resolve."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    name = osp.relpath(path, root)
    cache = {}
    found = []
    for number, target in links(text):
        if not target or SCHEME.match(target):
            continue
        file_part, _, anchor = target.partition('#')
        file_part = re.sub(r'\?.*$', '', file_part)
        if file_part.startswith('/'):
            resolved = osp.join(root, file_part.lstrip('/'))
        elif file_part:
            resolved = osp.join(osp.dirname(path), file_part)
        else:
            resolved = path
        resolved = osp.normpath(resolved)
        where = f'{name}:{number}: {target}'
        if not resolved.startswith(osp.normpath(root) + osp.sep) and \
                resolved != osp.normpath(root):
            found.append(f'{where}: points outside the repository')
            continue
        if not osp.exists(resolved):
            found.append(f'{where}: {osp.relpath(resolved, root)} does not '
                         'exist')
            continue
        if not anchor or not resolved.endswith('.md'):
            continue
        if resolved not in cache:
            with open(resolved, encoding='utf-8') as f:
                cache[resolved] = anchors(f.read())
        if anchor not in cache[resolved]:
            found.append(f'{where}: {osp.relpath(resolved, root)} has no '
                         f'heading with anchor #{anchor}')
    return found


DOCUMENTS = documents()


def test_the_documents_are_found():
    names = {osp.relpath(path, REPO) for path in DOCUMENTS}
    assert {'README.md', 'docs/README.md', 'docs/get_started.md',
            'projects/README.md'} <= names
    assert any(name.startswith('docs/user_guides/') for name in names)


@pytest.mark.parametrize('path', DOCUMENTS,
                         ids=lambda path: osp.relpath(path, REPO))
def test_every_link_and_anchor_resolves(path):
    found = problems(path)
    assert not found, 'broken links:\n' + '\n'.join(found)


def test_the_readme_links_every_guide():
    """Every guide under docs/ is reachable from the index, and the index
    from the README."""
    readme = open(osp.join(REPO, 'README.md'), encoding='utf-8').read()
    assert 'docs/README.md' in {target for _, target in links(readme)}
    index = osp.join(REPO, 'docs', 'README.md')
    linked = {osp.normpath(osp.join(osp.dirname(index),
                                    target.partition('#')[0]))
              for _, target in links(open(index, encoding='utf-8').read())}
    guides = glob.glob(osp.join(REPO, 'docs', '*_guides', '*.md'))
    guides.append(osp.join(REPO, 'docs', 'get_started.md'))
    assert sorted(set(guides) - linked) == []


# ------------------------------------------------------------ the checker
def test_slugs_follow_github():
    assert slug('Deployment: ONNX and onnxruntime') == \
        'deployment-onnx-and-onnxruntime'
    assert slug('Tuning `logit_thr`') == 'tuning-logit_thr'
    assert slug("Where an iteration's time goes") == \
        'where-an-iterations-time-goes'
    assert slug('Verify the install: the GPU check') == \
        'verify-the-install-the-gpu-check'
    assert slug('P2R and P2P (the [paper](https://x.org))') == \
        'p2r-and-p2p-the-paper'
    assert slug('Results: 5 % labelled') == 'results-5--labelled'
    text = '# A\n\n## Notes\n\n```bash\n# Not a heading\n```\n\n## Notes\n'
    assert anchors(text) == {'a', 'notes', 'notes-1'}


def test_a_broken_link_or_anchor_is_reported(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'guide.md').write_text(
        '# Guide\n\n## Train it\n\nText.\n')
    readme = tmp_path / 'README.md'
    readme.write_text(
        '# Project\n\n'
        'Fine: [guide](docs/guide.md), [section](docs/guide.md#train-it), '
        '[here](#project), [web](https://example.org/#x), '
        '![folder](docs/).\n'
        'Missing file: [a](docs/missing.md).\n'
        'Missing anchor: [b](docs/guide.md#test-it).\n'
        'Missing local anchor: [c](#nothing).\n'
        '`[not a link](nowhere.md)`\n\n'
        '```markdown\n[not a link either](nowhere.md)\n```\n')
    assert problems(str(readme), str(tmp_path)) == [
        'README.md:4: docs/missing.md: docs/missing.md does not exist',
        'README.md:5: docs/guide.md#test-it: docs/guide.md has no heading '
        'with anchor #test-it',
        'README.md:6: #nothing: README.md has no heading with anchor '
        '#nothing',
    ]
