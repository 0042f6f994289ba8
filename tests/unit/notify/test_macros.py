"""Templates an administrator writes: every macro, the parts loop, typos caught, values never trusted."""

import pytest

from mailgate.notify.context import NotificationContext, PartInfo
from mailgate.notify.macros import KNOWN, MESSAGE_MACROS, PART_MACROS, human_size, render, validate_template
from mailgate.notify.templates import DEFAULT_TEMPLATES, NotificationSettings, Template


def context(**changes) -> NotificationContext:
    values = dict(
        sender="eve@sender.test", sender_ip="192.0.2.7", all_recipients=("a@example.test", "b@example.test"),
        affected_recipients=("a@example.test",), affected_rules=("Finance", "Default"), subject="Quarterly report",
        date="2026-11-28 10:00:00 UTC", message_id="0100019a-gw-id", smtp_message_id="<q4.1@sender.test>",
        action="not delivered, the original is held in Backup", verdicts=("antivirus: infected", "antispam: clean"),
        backup_id="bk-42",
        parts=(PartInfo("eicar.com", 68, "infected: Eicar-Test-Signature"),
               PartInfo("setup.exe", 3 * 1024 * 1024, "removed: executable")))
    values.update(changes)
    return NotificationContext(**values)


def template(subject="s", body_text="t", body_html="") -> Template:
    return Template(name="t", subject=subject, body_text=body_text, body_html=body_html)


EXPECTED = {
    "SENDER": "eve@sender.test",
    "SENDER_IP": "192.0.2.7",
    "ALL_RECIPIENTS": "a@example.test, b@example.test",
    "AFFECTED_RECIPIENTS": "a@example.test",
    "AFFECTED_RULES": "Finance, Default",
    "SUBJECT": "Quarterly report",
    "DATE": "2026-11-28 10:00:00 UTC",
    "MESSAGE_ID": "0100019a-gw-id",
    "SMTP_MESSAGE_ID": "<q4.1@sender.test>",
    "MESSAGE_ACTION": "not delivered, the original is held in Backup",
    "VERDICTS": "antivirus: infected; antispam: clean",
    "BACKUP_ID": "bk-42",
}


@pytest.mark.parametrize("name", sorted(MESSAGE_MACROS))
def test_every_message_macro_renders_its_value_in_subject_and_text(name):
    subject, text, html = render(template(subject=f"[%{name}%]", body_text=f"value: %{name}%\n"), context())
    assert subject == f"[{EXPECTED[name]}]"
    assert text == f"value: {EXPECTED[name]}\n"
    assert html == ""


def test_the_macro_table_is_the_documented_one():
    assert set(EXPECTED) == set(MESSAGE_MACROS)
    assert set(PART_MACROS) == {"OBJECT_NAME", "OBJECT_SIZE", "STATUS"}
    assert {"DATA_BEGIN", "DATA_END"} <= KNOWN


def test_the_data_loop_repeats_once_per_affected_part_with_message_macros_available():
    body = "Parts of %MESSAGE_ID%:\n%DATA_BEGIN%- %OBJECT_NAME% (%OBJECT_SIZE%): %STATUS% [%SENDER%]\n%DATA_END%end\n"
    _, text, _ = render(template(body_text=body), context())
    assert text == ("Parts of 0100019a-gw-id:\n"
                    "- eicar.com (68 bytes): infected: Eicar-Test-Signature [eve@sender.test]\n"
                    "- setup.exe (3.0 MB): removed: executable [eve@sender.test]\n"
                    "end\n")


def test_a_loop_over_no_parts_renders_nothing_between_its_markers():
    _, text, _ = render(template(body_text="a%DATA_BEGIN%x %OBJECT_NAME%%DATA_END%b"), context(parts=()))
    assert text == "ab"


def test_sizes_read_like_a_person_wrote_them():
    assert [human_size(s) for s in (None, 0, 1023, 1024, 1536, 5 * 1024 ** 2, 3 * 1024 ** 3)] == [
        "size unknown", "0 bytes", "1023 bytes", "1.0 KB", "1.5 KB", "5.0 MB", "3.0 GB"]


def test_the_default_templates_are_valid_and_cover_administrator_sender_and_recipients():
    assert all(validate_template(t) == [] for t in DEFAULT_TEMPLATES)
    names = {t.name for t in NotificationSettings().templates}
    assert {"admin_virus_found", "admin_message_held", "sender_message_rejected", "sender_attachment_removed",
            "recipient_message_held", "recipient_attachment_removed"} <= names


def test_an_unknown_macro_is_named_with_its_field_and_a_suggestion():
    problems = validate_template(template(subject="Virus from %SENDR%", body_text="ok %SENDER%"))
    assert problems == [("subject", "unknown macro %SENDR% (did you mean %SENDER%?)")]


def test_a_macro_in_the_wrong_case_is_a_problem_not_a_silent_literal():
    assert validate_template(template(body_text="%sender%")) == [
        ("body_text", "unknown macro %sender% (did you mean %SENDER%?)")]


def test_percent_signs_and_url_escapes_in_links_are_not_macros():
    body = "100% sure, 50%off. https://example.test/caf%C3%A9?q=%CE%BB%20x"
    assert validate_template(template(body_text=body, body_html=f'<a href="{body}">x</a>')) == []
    assert render(template(body_text=body), context())[1] == body


@pytest.mark.parametrize(("body", "message"), [
    ("%OBJECT_NAME%", "%OBJECT_NAME% describes one part: use it between %DATA_BEGIN% and %DATA_END%"),
    ("%DATA_BEGIN% %STATUS%", "%DATA_BEGIN% without a %DATA_END% after it"),
    ("%STATUS% %DATA_END%", "%STATUS% describes one part: use it between %DATA_BEGIN% and %DATA_END%"),
    ("%DATA_BEGIN%%DATA_BEGIN%%DATA_END%", "%DATA_BEGIN% inside a %DATA_BEGIN%…%DATA_END% loop: loops do not nest"),
])
def test_part_macros_outside_a_loop_and_unbalanced_or_nested_loops_are_problems(body, message):
    problems = validate_template(template(body_html=body))
    assert ("body_html", message) in problems


def test_a_stray_end_is_reported():
    assert validate_template(template(body_text="x %DATA_END%")) == [
        ("body_text", "%DATA_END% without a %DATA_BEGIN% before it")]


def test_a_subject_with_a_line_break_is_a_problem():
    assert ("subject", "the subject is one line: remove the line breaks") in validate_template(
        template(subject="a\r\nBcc: x@evil.test"))


def test_values_are_html_escaped_in_the_html_body_but_the_template_html_is_kept():
    hostile = context(subject='<script>alert("x")</script>', parts=(PartInfo("<img src=x onerror=1>.exe", 1, "s"),))
    _, text, html = render(template(body_text="%SUBJECT%", body_html="<p>%SUBJECT%</p>%DATA_BEGIN%<i>%OBJECT_NAME%</i>"
                                                                     "%DATA_END%"), hostile)
    assert html == ("<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>"
                    "<i>&lt;img src=x onerror=1&gt;.exe</i>")
    assert text == '<script>alert("x")</script>'  # plain text is not HTML: shown as sent


def test_a_value_cannot_inject_a_header_into_the_subject_or_a_line_into_the_body():
    hostile = context(subject="hi\r\nBcc: victim@example.test\nX-Evil: 1", sender="a@b.test\u2028Reply-To: c@d.test")
    subject, text, html = render(template(subject="Re: %SUBJECT% from %SENDER%", body_text="S: %SUBJECT%\n",
                                          body_html="%SUBJECT%"), hostile)
    assert subject == "Re: hi Bcc: victim@example.test X-Evil: 1 from a@b.test Reply-To: c@d.test"
    assert text == "S: hi Bcc: victim@example.test X-Evil: 1\n"
    assert "\n" not in html


def test_a_value_that_looks_like_a_macro_stays_literal():
    hostile = context(subject="%SENDER% %DATA_BEGIN% %BACKUP_ID%",
                      parts=(PartInfo("%MESSAGE_ID%.exe", 1, "%STATUS%"),))
    subject, text, html = render(template(subject="%SUBJECT%", body_text="%SUBJECT%|%DATA_BEGIN%%OBJECT_NAME% "
                                          "%STATUS%%DATA_END%", body_html="%SUBJECT%"), hostile)
    assert subject == "%SENDER% %DATA_BEGIN% %BACKUP_ID%"
    assert text == "%SENDER% %DATA_BEGIN% %BACKUP_ID%|%MESSAGE_ID%.exe %STATUS%"
    assert html == "%SENDER% %DATA_BEGIN% %BACKUP_ID%"


def test_an_unknown_macro_that_slipped_through_is_left_as_written_not_removed():
    _, text, _ = render(template(body_text="%SENDR% %OBJECT_NAME%"), context())
    assert text == "%SENDR% %OBJECT_NAME%"


def test_a_very_long_subject_is_cut_to_a_readable_length():
    subject, _, _ = render(template(subject="To %ALL_RECIPIENTS%"),
                           context(all_recipients=tuple(f"user{i}@example.test" for i in range(100))))
    assert len(subject) == 255 and subject.endswith("…")


def test_settings_problems_carry_the_path_of_each_template_for_a_settings_import():
    from mailgate.notify.macros import notification_problems

    settings = NotificationSettings(templates=(template(), Template(name="bad", subject="%SENDR%", body_text="x")))
    assert notification_problems(settings) == [
        (".templates[1].subject", "template 'bad': unknown macro %SENDR% (did you mean %SENDER%?)")]
