import pytest

from p2r_mm.datasets.load_problems import LoadProblems, first_few, natural_key
from .fake_crowd_data import captured_warnings


def test_natural_key_and_first_few():
    names = ['a/IMG_10.jpg', 'IMG_2.jpg', 'b/IMG_1.jpg']
    assert sorted(names, key=natural_key) == [
        'b/IMG_1.jpg', 'IMG_2.jpg', 'a/IMG_10.jpg']
    assert first_few([1, 2, 3], n=3) == '1, 2, 3'
    assert first_few(list(range(7)), n=2) == '0, 1, ... (7 in all)'


def test_report_warns_once_per_kind_or_raises():
    problems = LoadProblems()
    problems.outside += [('a.json', 2, 1.5), ('b.json', 1, 4.0)]
    problems.exif.append('c.jpg')
    problems.notes.append('d.json: 3 points but count 4')
    with captured_warnings() as logged:
        problems.report('DS', 'clip')
    assert len(logged) == 3
    assert ('DS: 3 points in 2 annotation files lie outside their image'
            in logged[0] and 'at most 4.0 px off' in logged[0]
            and 'clipped to the border' in logged[0])
    assert 'EXIF rotation' in logged[1] and 'c.jpg' in logged[1]
    assert '1 annotation files are inconsistent: d.json' in logged[2]
    with captured_warnings() as logged:
        LoadProblems().report('DS', 'error')  # nothing found: silent
    assert logged == []
    with pytest.raises(ValueError, match="a.json.*Pass out_of_image='clip'"):
        problems.report('DS', 'error')
