"""Who may read transaction statistics: officials (领导/统计人员), regulators and the platform admin."""

from accounts.models import Role
from accounts.permissions import register, roles

register("statistics.view", roles(Role.OFFICIAL, Role.REGULATOR, Role.ADMIN))

# The history import (历史成交数据导入) writes deals that statistics and open data publish: officials and the admin.
register("statistics.import", roles(Role.OFFICIAL, Role.ADMIN))
