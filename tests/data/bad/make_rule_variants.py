"""Write the bad rule sets of this folder (rules_*.toml): each is ../mini/rules.toml with one thing wrong,
named in its first line. Run `python make_rule_variants.py` after changing the mini rule set; the CSV
files here are written by hand, one defect each, named for it (the defect is in row 4 unless the name
says otherwise)."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
GOOD = (HERE.parent / "mini" / "rules.toml").read_text(encoding="utf-8")

VARIANTS = [  # file, text replaced (once), replacement, what is wrong
    ("rules_share_above_100.toml", 'share = "25%"', 'share = "125%"', "rule R2's share is above 100%"),
    ("rules_share_fraction_above_1.toml", 'share = "50%"', 'share = "3/2"', "rule R1's share 3/2 is above 1"),
    ("rules_bad_share_text.toml", 'share = "50%"', 'share = "half"', "rule R1's share is not a fraction"),
    ("rules_group_undeclared_value.toml", 'where = { sector = ["enterprise"] }',
     'where = { sector = ["enterprize"] }', "group 'enterprise' uses the undeclared value 'enterprize'"),
    ("rules_undeclared_group.toml", 'group = "women"', 'group = "woman"', "rule R2 uses the undeclared group 'woman'"),
    ("rules_unknown_key.toml", 'op = ">="\nshare = "25%"', 'op = ">="\nshare = "25%"\nminimum = 1',
     "rule R2 has an unknown key 'minimum'"),
    ("rules_negative_seats.toml", "seats = 4\n", "seats = -4\n", "award labour_model has -4 seats"),
    ("rules_syntax_error.toml", "seats = 4\n", "seats = 4 seats\n", "a TOML syntax error (seats = 4 seats)"),
]


def main() -> None:
    for name, old, new, note in VARIANTS:
        assert GOOD.count(old) == 1, name
        text = GOOD.replace(old, new).replace('quotas = "quotas.csv"', 'quotas = "../mini/quotas.csv"')
        (HERE / name).write_text(f"# BAD: {note}\n" + text, encoding="utf-8")
    text = GOOD.replace('quotas = "quotas.csv"', 'quotas = "../mini/quotas.csv"')
    (HERE / "rules_not_utf8.toml").write_bytes(("# BAD: saved as GBK, not UTF-8\n" + text).encode("gbk"))


if __name__ == "__main__":
    main()
