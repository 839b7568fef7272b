"""Who may do what in supervision. The services check the object rules (party, interested bidder)."""

from accounts.models import Role
from accounts.permissions import register, roles

# Objections, challenges and complaints (supervision.services.complaints).
register("supervision.complaint.file", roles(Role.BIDDER))
register("supervision.complaint.list", roles(Role.BIDDER, Role.TENDERER, Role.AGENCY, Role.REGULATOR))
register("supervision.complaint.handle", roles(Role.REGULATOR))

# Enforcement: cases, measures, leads and the report (supervision.services.cases/leads check the region).
register("supervision.enforce", roles(Role.REGULATOR))
