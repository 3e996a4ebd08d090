"""The tone component on sentences written for these tests: tone is about the deal's prospects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from spacy.lang.en import English

from kernel.errors import ConfigError
from nlp.components.tone import ToneComponent

CASES = [
    # the signal drives tone
    (1, "The writers guild and the studios reached a tentative agreement late Sunday."),
    (1, "Negotiators for the writers and the studios made significant progress on Tuesday."),
    (-1, "Contract talks collapsed late Friday."),
    (-1, "The two sides remain far apart on streaming residuals."),
    (-1, "The writers have been on strike since May."),
    # the end of a strike is good news
    (1, "The strike ended."),
    (1, "The strike ended after senior executives joined the bargaining."),
    # solidarity in a stall reads negative
    (-1, "The actors remain united as talks stall."),
    (
        1,
        "Despite the impasse, the chief executives of two studios joined the bargaining session on Tuesday.",
    ),
    # threats are negative although nothing happened
    (-1, "The guild said it would consider a walkout."),
    (-1, "If talks fail, the union will strike."),
    # neutral reporting
    (0, "The union represents about 160,000 performers."),
    (0, "Negotiators are scheduled to meet again next week."),
    # negation of domain words
    (-1, "The two sides are not optimistic about a deal."),
    (-1, "Union leaders said the latest session was not productive and deeply disappointing."),
    # mixed sentences lean neutral
    (0, "There has been some progress, but large gaps remain."),
    # hopeful resumption
    (1, "In a welcome development, the two sides are going back to the table on Tuesday."),
]

# other wordings of the same rules
MORE = [
    (1, "The union suspended its strike after reaching a tentative agreement with the company."),
    (-1, "Management dismissed the union's counterproposal on Wednesday."),
    (-1, "The companies continue to refuse any cut of streaming revenue."),
    (-1, "The producers' alliance ended negotiations abruptly on Wednesday night."),
    (0, "Bargaining is set to resume on Oct. 2."),
    (-1, "Video game performers went on strike on Friday."),
    (-1, "About 33,000 machinists walked out on Friday after rejecting the contract."),
    (0, "The contract covers about 45,000 dockworkers at 36 ports."),
    (1, "The two sides have reached consensus on several issues, including health care."),
    (-1, "The parties remain deadlocked over automation."),
    (1, "Workers ratified the deal by a wide margin, ending the 46-day strike."),
    (
        -1,
        "The union walked out of the negotiating session after the company refused to move on wages.",
    ),
    (-1, "The union blasted the offer as a slap in the face."),
    (1, "The union said the company's latest proposal was a step forward."),
    (0, "The guild and the studios will meet again on Thursday."),
    (0, "Residuals are payments made when a show is rerun."),
    (-1, "The union accused the studios of bargaining in bad faith."),
    (0, "The Teamsters also represent casting directors and location managers."),
    (-1, "Negotiations have stalled over the use of artificial intelligence."),
    (
        -1,
        "The company said it had ended talks with the union after the latest proposal was rejected.",
    ),
    (1, "Negotiators are nearing a deal on a new contract, sources said."),
    (-1, "The union warned that its members could walk off the job next month."),
    (-1, "The strike continues with no end in sight."),
    (1, "The union has ended its strike after members approved the new agreement."),
    (-1, "The studios' offer falls far short of what members need."),
    (0, "The contract expires on June 30."),
    (1, "Sources close to the negotiations described Monday's session as the most productive yet."),
    (-1, "Both sides traded accusations on Tuesday as the talks dragged into a third week."),
    (0, "The guild's contract with the studios was last renegotiated in 2020."),
    (1, "After 146 days on the picket lines, the writers finally have a deal."),
    (
        -1,
        'The union called the proposal "an insult" and said it was nowhere near what members deserve.',
    ),
    (
        -1,
        "Negotiations were suspended on Wednesday after the studios said the gap between the two sides was too great.",
    ),
    (
        -1,
        "Dockworkers from Maine to Texas walked off the job early Tuesday, shutting down 36 ports.",
    ),
    (1, "The company said it had made a significant move on pensions in its latest offer."),
    (0, "The union has about 33,000 members in the Seattle area."),
    (-1, "The studios have refused to share viewership data, a key demand of the union."),
    (
        1,
        "The dockworkers' union and the port operators reached a deal in principle on wages, ending a three-day strike.",
    ),
    (1, "Negotiators are optimistic that a deal can be reached before the deadline."),
    (-1, "Members voted 96% in favor of strike authorization."),
    (-1, "The company abruptly left the table on Friday, saying further talks were pointless."),
    (-1, "The two sides are still at odds over the use of AI."),
    (0, "The contract also includes new protections for background actors."),
    (0, "The current contract was extended until Sept. 30 while negotiations continue."),
    (-1, "Neither side has made any concessions since talks began."),
    (1, "The company is no longer refusing to discuss pensions."),
    (0, "No strike is planned at this time."),
    (1, "Members approved the deal, ending the longest strike in the union's history."),
    (0, "The talks, which broke down in July, will resume on Monday."),
    (-1, "Although both sides had met earlier in the day, talks broke down in the evening."),
    (1, "Negotiators hope a deal can be finalized this week."),
    (0, "The studios argue that residuals are already generous."),
    (-1, "The guild says the studios' counteroffer does not go far enough on AI."),
    (0, "The last time the union struck was in 1980."),
    (1, "It's official: the strike is over."),
    (0, "Talks are expected to continue next week."),
    (1, "Both sides have signaled flexibility on wages."),
    (
        -1,
        "The UAW launched targeted strikes at three plants after contracts with all three automakers expired at midnight.",
    ),
    (
        -1,
        "Fain said the automakers' latest proposals still fall well short of what workers deserve.",
    ),
    (
        1,
        "Ford has made the most progress of the three companies, Fain said in a Friday livestream.",
    ),
    (
        1,
        "The UAW and General Motors reached a tentative agreement on Monday, the last of the Detroit Three to settle.",
    ),
    (-1, "The union expanded its strike to Ford's Kentucky Truck Plant, the company's largest."),
    (
        -1,
        "Federal mediators ended the latest round without a deal, and no new talks are scheduled.",
    ),
    (-1, "Port workers from Maine to Texas walked off the job after their contract expired."),
    (
        1,
        "The ILA and USMX reached a tentative agreement on wages and agreed to extend the master contract until January 15.",
    ),
    (-1, "Boeing said the union's demands were not economically viable."),
    (-1, "The company warned it could lay off thousands of workers if the strike continues."),
    (1, "Machinists voted 59% to accept Boeing's latest offer, ending a seven-week strike."),
    (-1, "Machinists overwhelmingly rejected the contract offer, with 95% voting no."),
    (
        0,
        "The video game performers and the companies are scheduled to resume bargaining next Tuesday.",
    ),
    (
        1,
        'The union said talks had been "positive" and that the companies had moved on key AI protections.',
    ),
    (-1, "The companies refused to extend AI protections to all performers, the union said."),
    (0, "The Interactive Media Agreement covers performers in video games."),
    (
        -1,
        "The union accused the company of trying to bust the strike by hiring replacement workers.",
    ),
    (-1, "Union members booed the offer at a packed meeting on Sunday night."),
    (1, "The deal is a historic win for workers, the union president said."),
    (0, "The company declined to comment on the status of negotiations."),
    (0, "The union's bargaining committee includes 20 rank-and-file members."),
    (-1, "Talks remain stuck over pensions, with neither side willing to budge."),
    (1, "Both sides described the atmosphere in the room as cordial and businesslike."),
    (
        -1,
        "The governor urged both sides to return to the table, warning of severe economic damage from a prolonged strike.",
    ),
    (1, "Workers returned to their jobs on Monday after the strike ended."),
    (-1, "The studios' latest offer was met with anger on social media."),
    (0, "The guild will hold informational meetings for members next week."),
    (-1, "Pickets outside the plant grew louder as the strike entered its second month."),
    (1, "Members celebrated the ratification at union halls across the country."),
    (-1, "Contract talks hit a wall on Friday as the union rejected the company's final offer."),
]


@pytest.mark.parametrize(("expected", "text"), CASES + MORE)
def test_tone(rules_label, expected: int, text: str) -> None:
    records = rules_label(text)
    assert len(records) == 1
    assert records[0]["tone"] == expected, records[0]["evidence"]


def test_score_is_bounded_and_agrees_with_the_label(rules_label) -> None:
    text = (
        "The union hailed a historic, landmark breakthrough and a tentative agreement. "
        "The talks collapsed in bitter, acrimonious recriminations and a strike began. "
        "The union represents about 160,000 performers."
    )
    records = rules_label(text)
    scores = [r["tone_score"] for r in records]
    assert all(-1 <= s <= 1 for s in scores)
    assert [r["tone"] for r in records] == [1, -1, 0]
    assert scores[0] > 0.5 and scores[1] < -0.5 and scores[2] == 0


def test_tone_evidence_explains_the_score(rules_label) -> None:
    text = "Talks were productive, the union said."
    record = rules_label(text)[0]
    evidence = [e for e in record["evidence"] if e["field"] == "tone"]
    assert evidence and all(e["label"] == record["tone"] == 1 for e in evidence)
    assert all(text[e["start"] : e["end"]] == e["text"] for e in evidence)
    assert any(e["rule"].startswith("tone.signal") for e in evidence)


def test_commentary_counts_less_than_the_parties(rules_label) -> None:
    party = rules_label("The union said the two sides are still far apart.")[0]
    analyst = rules_label("Labor analysts said the two sides are still far apart.")[0]
    assert party["tone_score"] < analyst["tone_score"] <= 0


def _write_rules(tmp_path: Path, change) -> Path:
    default = Path(__file__).resolve().parents[2] / "nlp" / "config" / "tone_lexicon.yaml"
    rules = yaml.safe_load(default.read_text(encoding="utf-8"))
    change(rules)
    path = tmp_path / "tone_lexicon.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    return path


def test_lexicon_weight_out_of_range_is_a_config_error(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, lambda r: r["lexicon"].update({"wonderful": 3}))
    with pytest.raises(ConfigError, match="wonderful"):
        ToneComponent(English(), path)


def test_missing_signal_polarity_is_a_config_error(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, lambda r: r["signal_polarity"].pop("gap"))
    with pytest.raises(ConfigError, match="signal_polarity"):
        ToneComponent(English(), path)
