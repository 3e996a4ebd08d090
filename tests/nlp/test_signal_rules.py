"""The signal component on sentences written for these tests, one group per guideline rule.

Each sentence runs through the full pipeline without the learned model (the session ``rules_label``
fixture), so a rule only passes when the parse, the triggers and the context cues work together;
what the learned model makes of the rules' output is measured by grouped CV and tested in
test_signal_model.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from spacy.lang.en import English

from kernel.errors import ConfigError
from nlp.components.signal import SignalComponent

EACH_LABEL = [
    (
        "progress",
        "Negotiators for the writers and the studios made significant progress on Tuesday.",
    ),
    ("progress", "Both sides said the talks were productive and constructive."),
    ("progress", "The two sides are closing the gap on wages."),
    ("progress", "The studios and the guild are close to a deal."),
    ("progress", "Union leaders said they were cautiously optimistic after the session."),
    ("gap", "The union rejected the company's latest offer as insulting."),
    ("gap", "Artificial intelligence remains the main sticking point."),
    ("gap", "The two sides remain far apart on streaming residuals."),
    ("agreement", "The writers guild and the studios reached a tentative agreement late Sunday."),
    ("agreement", "Members voted overwhelmingly to ratify the new contract."),
    ("agreement", "The strike ended after the union and the company struck a deal."),
    ("breakdown", "Talks broke off on Thursday after the companies walked away from the table."),
    ("breakdown", "The alliance suspended negotiations with the union indefinitely."),
    ("breakdown", "Contract talks collapsed late Friday."),
    ("strike_action", "Thousands of workers walked off the job at midnight."),
    ("strike_action", "Picket lines went up outside the studios on Monday."),
    ("strike_action", "The strike entered its third week."),
    ("strike_action", "The writers have been on strike since May."),
    ("scheduling", "The two sides will resume talks on Monday."),
    ("scheduling", "Negotiators are scheduled to meet again next week."),
    ("scheduling", "The parties agreed to extend the current contract by two weeks."),
    ("none", "The union represents about 160,000 performers."),
]

NEGATION = [
    ("gap", "There is still no deal yet between the machinists and the company."),
    ("gap", "Negotiators met for ten hours on Tuesday without any progress on pensions."),
    ("gap", "The studios have not budged on the revenue-sharing demand."),
    ("gap", "The two sides are not optimistic about a deal."),
    ("none", "The union said there would be no additional strikes this year."),
    ("agreement", "The dock workers' union agreed to a new six-year contract, averting a strike."),
    ("none", "For now there are no meetings scheduled between the guild and the producers."),
    ("none", "The new contract has yet to be ratified by the membership."),
]

HEDGES_AND_PROSPECTS = [
    ("progress", "The union said it hopes to reach an agreement by the end of the month."),
    (
        "progress",
        "A tentative agreement could come as early as this weekend, people familiar with the talks said.",
    ),
    ("progress", "Both sides expect to finalize a deal within days."),
    ("progress", "The mediator seems hopeful that the sides can settle soon."),
]

COUNTERFACTUALS = [
    ("none", "If talks fail, the union will strike."),
    ("none", "The guild said it would consider a walkout."),
    ("none", "A deal was supposed to be reached by Friday."),
    ("none", "The company threatened to walk away from the talks."),
    ("strike_action", "Members voted to authorize a strike if no deal is reached."),
    ("strike_action", "The bargaining committee unanimously recommended a strike."),
]

DOMINANT_CLAUSE = [
    ("scheduling", "After talks broke down last week, the sides will meet Monday."),
    (
        "scheduling",
        "Following the collapse of negotiations in July, the union and the studios will return to the table on Tuesday.",
    ),
    (
        "strike_action",
        "The union called a strike after talks with the company failed to produce an agreement.",
    ),
    (
        "gap",
        "The studios improved their offer on wages, but they still refuse to share streaming revenue.",
    ),
    ("progress", "There are signs of progress in the talks, although differences remain."),
]

WORD_SENSE = [
    ("none", "The studio is striking deals with independent producers."),
    ("none", "The union suspended its annual convention to focus on bargaining."),
    ("progress", "Negotiators spent the weekend closing the gap on health care."),
    ("none", "The gender pay gap in Hollywood has barely changed."),
    (
        "progress",
        "Four studio CEOs joined the talks on Wednesday, a sign that the impasse may be ending.",
    ),
    (
        "progress",
        "Despite the impasse, the chief executives of two studios joined the bargaining session on Tuesday.",
    ),
    ("agreement", "The machinists' union struck a deal with the planemaker on Sunday."),
    ("scheduling", "Striking actors and the studios will continue their negotiations on Friday."),
]

ATTRIBUTION = [
    ("none", "Labor analysts said the two sides are still far apart."),
]

# a second round of sentences, written to probe the rules above in other wordings
MORE = [
    (
        "agreement",
        "The union suspended its strike after reaching a tentative agreement with the company.",
    ),
    ("none", "The union suspended its strike pending further talks."),
    ("gap", "Management dismissed the union's counterproposal on Wednesday."),
    ("gap", "The companies continue to refuse any cut of streaming revenue."),
    ("breakdown", "The producers' alliance ended negotiations abruptly on Wednesday night."),
    ("scheduling", "The union and the automakers agreed to keep talking past the deadline."),
    ("scheduling", "Bargaining is set to resume on Oct. 2."),
    ("strike_action", "Video game performers went on strike on Friday."),
    ("strike_action", "About 33,000 machinists walked out on Friday after rejecting the contract."),
    ("none", "The contract covers about 45,000 dockworkers at 36 ports."),
    ("progress", "The two sides have reached consensus on several issues, including health care."),
    ("gap", "The parties remain deadlocked over automation."),
    ("none", "Should talks collapse, the union is prepared to strike."),
    ("agreement", "Workers ratified the deal by a wide margin, ending the 46-day strike."),
    (
        "breakdown",
        "The union walked out of the negotiating session after the company refused to move on wages.",
    ),
    ("gap", "The union blasted the offer as a slap in the face."),
    ("progress", "The union said the company's latest proposal was a step forward."),
    ("scheduling", "The guild and the studios will meet again on Thursday."),
    ("none", "Residuals are payments made when a show is rerun."),
    (
        "progress",
        "Despite the impasse, the arrival of the chief executives at the table has injected new momentum into the talks.",
    ),
    ("gap", "The union accused the studios of bargaining in bad faith."),
    ("none", "The Teamsters also represent casting directors and location managers."),
    ("gap", "Negotiations have stalled over the use of artificial intelligence."),
    (
        "breakdown",
        "The company said it had ended talks with the union after the latest proposal was rejected.",
    ),
    ("scheduling", "Talks will continue through the weekend."),
    ("progress", "Negotiators are nearing a deal on a new contract, sources said."),
    ("none", "The union warned that its members could walk off the job next month."),
    ("strike_action", "The strike continues with no end in sight."),
    ("agreement", "The union has ended its strike after members approved the new agreement."),
    ("gap", "The studios' offer falls far short of what members need."),
    ("none", "The contract expires on June 30."),
    (
        "progress",
        "Sources close to the negotiations described Monday's session as the most productive yet.",
    ),
    ("gap", "Both sides traded accusations on Tuesday as the talks dragged into a third week."),
    ("none", "The guild's contract with the studios was last renegotiated in 2020."),
    ("agreement", "After 146 days on the picket lines, the writers finally have a deal."),
    (
        "gap",
        'The union called the proposal "an insult" and said it was nowhere near what members deserve.',
    ),
    (
        "breakdown",
        "Negotiations were suspended on Wednesday after the studios said the gap between the two sides was too great.",
    ),
    (
        "strike_action",
        "Dockworkers from Maine to Texas walked off the job early Tuesday, shutting down 36 ports.",
    ),
    (
        "progress",
        "The company said it had made a significant move on pensions in its latest offer.",
    ),
    ("none", "The union has about 33,000 members in the Seattle area."),
    ("scheduling", "The two sides agreed to return to the bargaining table next week."),
    ("gap", "The studios have refused to share viewership data, a key demand of the union."),
    (
        "agreement",
        "The dockworkers' union and the port operators reached a deal in principle on wages, ending a three-day strike.",
    ),
    ("none", "The union could strike as soon as next week if no agreement is reached."),
    ("progress", "Negotiators are optimistic that a deal can be reached before the deadline."),
    ("strike_action", "Members voted 96% in favor of strike authorization."),
    (
        "breakdown",
        "The company abruptly left the table on Friday, saying further talks were pointless.",
    ),
    ("gap", "The two sides are still at odds over the use of AI."),
    ("none", "The contract also includes new protections for background actors."),
    ("scheduling", "The current contract was extended until Sept. 30 while negotiations continue."),
    ("none", "The union has not ruled out a strike."),
    ("gap", "Neither side has made any concessions since talks began."),
    ("progress", "The company is no longer refusing to discuss pensions."),
    ("none", "No strike is planned at this time."),
    ("none", "A strike would cost the local economy billions."),
    ("none", "Should a strike occur, production would halt across the state."),
    ("agreement", "Members approved the deal, ending the longest strike in the union's history."),
    ("scheduling", "The talks, which broke down in July, will resume on Monday."),
    (
        "breakdown",
        "Although both sides had met earlier in the day, talks broke down in the evening.",
    ),
    ("progress", "Negotiators hope a deal can be finalized this week."),
    ("none", "The studios argue that residuals are already generous."),
    ("gap", "The guild says the studios' counteroffer does not go far enough on AI."),
    ("none", "The last time the union struck was in 1980."),
    ("agreement", "It's official: the strike is over."),
    ("scheduling", "Talks are expected to continue next week."),
    ("progress", "Both sides have signaled flexibility on wages."),
    (
        "strike_action",
        "The UAW launched targeted strikes at three plants after contracts with all three automakers expired at midnight.",
    ),
    (
        "gap",
        "Fain said the automakers' latest proposals still fall well short of what workers deserve.",
    ),
    (
        "progress",
        "Ford has made the most progress of the three companies, Fain said in a Friday livestream.",
    ),
    (
        "agreement",
        "The UAW and General Motors reached a tentative agreement on Monday, the last of the Detroit Three to settle.",
    ),
    (
        "strike_action",
        "The union expanded its strike to Ford's Kentucky Truck Plant, the company's largest.",
    ),
    (
        "breakdown",
        "Federal mediators ended the latest round without a deal, and no new talks are scheduled.",
    ),
    (
        "strike_action",
        "Port workers from Maine to Texas walked off the job after their contract expired.",
    ),
    (
        "agreement",
        "The ILA and USMX reached a tentative agreement on wages and agreed to extend the master contract until January 15.",
    ),
    ("gap", "Boeing said the union's demands were not economically viable."),
    (
        "scheduling",
        "Boeing and the union will return to the bargaining table with the help of federal mediators.",
    ),
    ("none", "The company warned it could lay off thousands of workers if the strike continues."),
    (
        "agreement",
        "Machinists voted 59% to accept Boeing's latest offer, ending a seven-week strike.",
    ),
    ("gap", "Machinists overwhelmingly rejected the contract offer, with 95% voting no."),
    (
        "scheduling",
        "The video game performers and the companies are scheduled to resume bargaining next Tuesday.",
    ),
    (
        "progress",
        'The union said talks had been "positive" and that the companies had moved on key AI protections.',
    ),
    ("gap", "The companies refused to extend AI protections to all performers, the union said."),
    ("none", "The Interactive Media Agreement covers performers in video games."),
    ("scheduling", "Federal mediators have called both sides back for talks on Thursday."),
    (
        "scheduling",
        "They sat back down with the union on Monday after the same group had expedited the writers' talks.",
    ),
    (
        "progress",
        "Ford has increased some elements of its initial offer, moving to a 16 percent wage gain.",
    ),
    (
        "scheduling",
        "Negotiations between the two sides have wrapped for the day, with more talks expected Wednesday.",
    ),
    (
        "scheduling",
        "After thorough deliberation it was unanimously decided to allow additional time to negotiate.",
    ),
    (
        "none",
        "The governor urged both sides to return to the table, warning of severe economic damage from a prolonged strike.",
    ),
    ("agreement", "Workers returned to their jobs on Monday after the strike ended."),
    ("gap", "Union members booed the offer at a packed meeting on Sunday night."),
    ("none", "The studios' latest offer was met with anger on social media."),
    ("none", "The guild had returned to the negotiating room with a new demand on residuals."),
]


def _signal(rules_label, text: str) -> str:
    records = rules_label(text)
    assert len(records) == 1, records
    return records[0]["signal"]


@pytest.mark.parametrize(("expected", "text"), EACH_LABEL)
def test_each_label(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


@pytest.mark.parametrize(("expected", "text"), NEGATION)
def test_negation_flips_or_removes_the_cue(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


@pytest.mark.parametrize(("expected", "text"), HEDGES_AND_PROSPECTS)
def test_prospective_wording_is_progress(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


@pytest.mark.parametrize(("expected", "text"), COUNTERFACTUALS)
def test_hypothetical_events_are_not_events(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


@pytest.mark.parametrize(("expected", "text"), DOMINANT_CLAUSE)
def test_main_clause_beats_a_recap(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


@pytest.mark.parametrize(("expected", "text"), WORD_SENSE)
def test_word_sense(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


@pytest.mark.parametrize(("expected", "text"), ATTRIBUTION)
def test_third_party_commentary(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


def test_evidence_points_at_the_trigger_in_the_document(rules_label) -> None:
    text = "Nothing happened on Monday. Talks broke off on Thursday after a long session."
    records = rules_label(text)
    assert [r["signal"] for r in records] == ["none", "breakdown"]
    evidence = [e for e in records[1]["evidence"] if e["field"] == "signal"]
    first = evidence[0]
    assert first["label"] == "breakdown" and first["rule"].startswith("breakdown.")
    assert text[first["start"] : first["end"]] == first["text"] == "broke off"


def test_evidence_names_the_modifier_that_changed_the_label(rules_label) -> None:
    record = rules_label("There is still no deal between the two sides.")[0]
    rules = [e["rule"] for e in record["evidence"] if e["field"] == "signal"]
    assert record["signal"] == "gap"
    assert any(r.startswith("gap.no_deal") or "negated" in r for r in rules)
    hedged = rules_label("The union said it hopes to reach an agreement soon.")[0]
    assert any("hedge" in e["rule"] for e in hedged["evidence"] if e["field"] == "signal")


def test_each_sentence_of_an_article_gets_its_own_signal(rules_label) -> None:
    text = (
        "The union and the studios reached a tentative agreement on Sunday. "
        "Members will vote on the deal next month. "
        "Picketing continued outside the lot on Monday."
    )
    assert [r["signal"] for r in rules_label(text)] == ["agreement", "scheduling", "strike_action"]


def _write_rules(tmp_path: Path, change) -> Path:
    default = Path(__file__).resolve().parents[2] / "nlp" / "config" / "signal_rules.yaml"
    rules = yaml.safe_load(default.read_text(encoding="utf-8"))
    change(rules)
    path = tmp_path / "signal_rules.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    return path


def test_unknown_label_in_rules_is_a_config_error(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, lambda r: r["triggers"][0].update(label="optimism"))
    with pytest.raises(ConfigError, match="not a signal label"):
        SignalComponent(English(), path)


def test_invalid_pattern_is_a_config_error(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, lambda r: r["triggers"][0].update(pattern=[{"LEMMAX": "deal"}]))
    with pytest.raises(ConfigError, match="invalid pattern"):
        SignalComponent(English(), path)


def test_missing_rules_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        SignalComponent(English(), tmp_path / "nope.yaml")


@pytest.mark.parametrize(("expected", "text"), MORE)
def test_other_wordings(rules_label, expected: str, text: str) -> None:
    assert _signal(rules_label, text) == expected


def test_non_numeric_weight_is_a_config_error(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, lambda r: r["triggers"][0].update(weight="heavy"))
    with pytest.raises(ConfigError, match="weight"):
        SignalComponent(English(), path)
