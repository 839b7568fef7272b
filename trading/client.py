"""Where an upload came from: the network address, the user agent and the uploading tool's installation id.

Recorded on every bid upload and never shown before the opening; supervision reads them afterwards for the
collusion signals of TL 40 (envelopes of different bidders sent from one address or one installation). The bidder
tool (``sealing.client``) and the bid page (``static/js/bid_page.js``) send a random installation id they keep
(in the tool's config folder, in the browser's localStorage) in the ``X-Sunshine-Installation`` header.
"""

import re
from dataclasses import dataclass

from audit.context import current_actor

INSTALLATION_HEADER = "X-Sunshine-Installation"
_INSTALLATION = re.compile(r"^[A-Za-z0-9-]{8,64}$")


@dataclass(frozen=True)
class ClientInfo:
    address: str = ""
    agent: str = ""
    installation: str = ""

    def as_fields(self) -> dict[str, str]:
        return {"client_address": self.address, "client_agent": self.agent,
                "client_installation": self.installation}


NO_CLIENT = ClientInfo()


def client_info(request) -> ClientInfo:
    """The client of ``request``: the address the audit chain records for it, its user agent and installation id."""
    installation = (request.headers.get(INSTALLATION_HEADER) or "").strip()
    return ClientInfo(address=current_actor().ip_address[:45],
                      agent=(request.headers.get("User-Agent") or "")[:300],
                      installation=installation if _INSTALLATION.match(installation) else "")
