"""The staff pages, one module per page; ``site.PortalAdminSite.get_urls`` routes to these."""

from accounts.staff.views.export import export_csv
from accounts.staff.views.groups import group_add, group_change, group_delete, group_detail, group_list
from accounts.staff.views.invite import invite
from accounts.staff.views.user_action import user_action
from accounts.staff.views.user_change import user_change
from accounts.staff.views.user_detail import user_detail, user_lookup
from accounts.staff.views.user_list import cognito_index, user_list

__all__ = [
    "cognito_index",
    "export_csv",
    "group_add",
    "group_change",
    "group_delete",
    "group_detail",
    "group_list",
    "invite",
    "user_action",
    "user_change",
    "user_detail",
    "user_list",
    "user_lookup",
]
