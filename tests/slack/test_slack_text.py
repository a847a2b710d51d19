"""Text in and out of Slack: what users typed, escaping and splitting."""

from __future__ import annotations

from adapters.slack._text import chunks, clip, escape, link, strip_mentions, to_mrkdwn, unformat


def test_what_the_user_typed_comes_back_from_slacks_formatting() -> None:
    text = strip_mentions(
        "<@UBOT> note on T1: call <mailto:a@b.example|a@b.example> &amp; <https://x.example>",
        "UBOT",
    )
    assert unformat(text) == "note on T1: call a@b.example & https://x.example"
    assert unformat("<@UBOT|atbot> hi <#C1|ops> <!here>") == "@atbot hi #ops @here"
    assert unformat(strip_mentions("<@UBOT|atbot>  my   tickets", "UBOT")) == "my tickets"


def test_escaping_clipping_and_links() -> None:
    assert escape("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc"
    assert clip(escape("aa<b"), 5) == "aa…", "an entity is never cut in half"
    assert (
        link("https://x.example/?a=1&b=<2>|3", "T<1>")
        == "<https://x.example/?a=1&amp;b=%3C2%3E%7C3|T&lt;1&gt;>"
    )
    assert (
        to_mrkdwn("# Title\n**bold** and - not a list\n- item")
        == "*Title*\n*bold* and - not a list\n• item"
    )


def test_long_text_is_split_at_line_ends_within_the_limit() -> None:
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(100))
    pieces = chunks(text, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "\n".join(pieces) == text
    assert [len(p) for p in chunks("y" * 2500, 1000)] == [1000, 1000, 500]


def test_the_public_names_are_curated() -> None:
    import adapters.slack as package

    exported = package.__all__
    assert sorted(exported) == sorted(set(exported)) and all(hasattr(package, n) for n in exported)
    public = {
        n
        for n, v in vars(package).items()
        if not n.startswith("_") and not isinstance(v, type(package))
    }
    assert public - {"annotations"} <= set(exported)
