import io

from identities.cli.progress import Progress, wanted


def test_quiet_when_piped_or_in_ci(monkeypatch):
    assert not wanted(io.StringIO())
    out = io.StringIO()
    p = Progress("sweep", "points", stream=out)
    p.update(5, 10)
    p.clear()
    assert out.getvalue() == ""


def test_draws_a_line_when_enabled(monkeypatch):
    out = io.StringIO()
    p = Progress("sweep", "points", stream=out, enabled=True, interval=0)
    p.update(500, 1000)
    assert "sweep [" in out.getvalue() and " 50% 500/1,000 points" in out.getvalue()
    p.clear()
    assert out.getvalue().endswith("\r\x1b[K")
    monkeypatch.setenv("CI", "1")

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert not wanted(Tty())
    monkeypatch.delenv("CI")
    assert wanted(Tty())
