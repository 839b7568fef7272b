"""Every indicator the platform computes: what it finds, the rule it watches, and where its definition comes from."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CARDINAL = "https://cardinal.readthedocs.io/en/latest/cli/indicators/R/{n}.html"


@dataclass(frozen=True)
class Indicator:
    code: str
    family: str  # "signal" or "flag"
    title: str | Promise
    rule: str | Promise  # the rule it watches
    definition: str | Promise
    source: str = ""  # Cardinal's page where the definition comes from


INDICATORS = [
    Indicator("same_address", "signal", _("Envelopes of different bidders sent from one network address"),
              _("TL 40 (1): bids prepared or submitted by the same unit or person"),
              _("Two or more bidders of one section uploaded an envelope from the same network address.")),
    Indicator("same_installation", "signal", _("Envelopes of different bidders sent from one installation"),
              _("TL 40 (1): bids prepared or submitted by the same unit or person"),
              _("Two or more bidders of one section uploaded with the same bid page or bidder tool installation.")),
    Indicator("same_document", "signal", _("Identical documents in the bids of different bidders"),
              _("TL 40 (4): bid documents abnormally identical"),
              _("A document with the same SHA-256 is in the opened bids of two or more bidders of one section.")),
    Indicator("same_author", "signal", _("Documents of different bidders written by the same author"),
              _("TL 40 (1): bids prepared by the same unit or person"),
              _("Documents in the bids of two or more bidders name the same author, last editor or company.")),
    Indicator("same_manager", "signal", _("The same project manager in different bids"),
              _("TL 40 (3): the same project manager or leader"),
              _("Two or more bidders of one section name the same project manager in their opening summaries.")),
    Indicator("price_pattern", "signal", _("Prices in a regular pattern"),
              _("TL 40 (4); TL 39: prices with regular differences"),
              _("At least three bid prices, sorted, step by an equal amount or an equal ratio (e.g. a 1% ladder).")),
    Indicator("identical_price", "signal", _("Identical bid prices"),
              _("TL 40 (4): abnormally identical bids (Cardinal R028)"),
              _("Two or more bidders of one section bid exactly the same price."), CARDINAL.format(n="028")),
    Indicator("same_contact", "signal", _("The same agent or contact person"),
              _("TL 40 (2): the same person handles the bids of different bidders"),
              _("The people who submitted for two or more bidders share a phone number, or their opening summaries "
                "name the same agent.")),
    Indicator("same_bond_account", "signal", _("Bid bonds of different bidders paid from one account"),
              _("TL 40 (6): bid bonds of different bidders transferred from the same unit's or person's account"),
              _("The bank recorded the same payer's account number on the bid bond arrivals of two or more bidders "
                "of one section.")),
    Indicator("R003", "flag", _("Short submission period (R003)"),
              _("ZB 24: at least 20 days from the tender documents to the bid deadline"),
              _("Open procedure whose announcement-to-deadline period is shorter than the threshold in days."),
              CARDINAL.format(n="003")),
    Indicator("R018", "flag", _("Single bid received (R018)"),
              _("TL 44: fewer than 3 bidders means no opening"),
              _("A competitive procedure (open or invited) with exactly one tenderer."), CARDINAL.format(n="018")),
    Indicator("R024", "flag", _("Winning bid close to the next bid (R024)"),
              _("TL 39 (agreed prices); TL 40 (4)"),
              _("(second-lowest valid bid − winning bid) / winning bid at or below the threshold, where the winner "
                "is the lowest valid bid."), CARDINAL.format(n="024")),
    Indicator("R035", "flag", _("All except the winner disqualified (R035)"),
              _("TL 51: reasons for rejecting a bid; TL 41 (tenderer favouring a bidder)"),
              _("One tenderer has valid bids, it won, and at least the threshold of other tenderers were "
                "disqualified."), CARDINAL.format(n="035")),
    Indicator("R036", "flag", _("Lowest bid disqualified (R036)"),
              _("TL 51; PW 21: an abnormally low price must be explained before rejection"),
              _("The lowest submitted bid was disqualified and the section was awarded."), CARDINAL.format(n="036")),
    Indicator("CAP", "flag", _("Winning bid close to the price cap"),
              _("TL 27: the price cap (招标控制价) is published; bids above it are rejected"),
              _("The winning bid is at or above the set share of the price cap or budget.")),
    Indicator("REPEAT_WINNER", "flag", _("Repeated winner with the same tenderer"),
              _("ZB 5 and TL 41: fair competition; no tenderer may favour a bidder"),
              _("One bidder won the set number of awards of one tenderer within the set months.")),
    Indicator("AMENDMENT", "flag", _("Amendment close to the deadline that did not move it"),
              _("ZB 23: a clarification or amendment less than 15 days before the deadline moves the deadline"),
              _("A clarification or amendment published less than 15 days before the bid deadline that stayed.")),
    Indicator("FAILURE_RATE", "flag", _("High failure (流标) rate of an agency"),
              _("TL 44: fewer than 3 bids; ZB 28 re-tendering"),
              _("Of the sections an agency ran that ended in the last months, the share that failed is at or above "
                "the set rate.")),
]

BY_CODE = {indicator.code: indicator for indicator in INDICATORS}
SIGNALS = [i.code for i in INDICATORS if i.family == "signal"]
FLAGS = [i.code for i in INDICATORS if i.family == "flag"]


def indicator_title(code: str) -> str:
    indicator = BY_CODE.get(code)
    return str(indicator.title) if indicator else code
