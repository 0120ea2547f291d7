"""Django permission groups with their members: how a superuser gives staff a permission beyond the defaults.

Cognito groups decide who is staff or superuser (``accounts.roles``). Finer permissions, such as
``accounts.change_cognito_users``, are given through Django permission groups: a superuser creates one in
the admin ("Django permission groups"), ticks the permissions and picks the members here. Only staff mirror
users are offered (a person appears once they have signed in to the portal), labelled by their human name
(never a bare sub). The "Cognito staff" group is kept in step with Cognito at every sign-in
(``roles.apply_groups``), so its members are shown but cannot be edited here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.identity import looks_like_sub
from accounts.models import User
from accounts.roles import STAFF_GROUP_NAME


class StaffMemberChoices(forms.ModelMultipleChoiceField):
    """Staff mirror users by their human name, with the username beside it when it is a name a person
    chose (not the generated id of an email-as-username pool)."""

    def label_from_instance(self, user: User) -> str:
        return member_label(user)


def member_label(user: User) -> str:
    """A member's human name, with the username beside it when a person chose it (never a generated id)."""
    name = user.display_name
    if name == user.username or looks_like_sub(user.username):
        return name
    return f"{name} ({user.username})"


class MembersWidget(FilteredSelectMultiple):
    """FilteredSelectMultiple in its own box: the admin's script puts the two lists at the start of the
    select's parent, which for a field that is not a model relation would be before the field's label."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        return format_html(
            '<div class="related-widget-wrapper">{}</div>', super().render(name, value, attrs, renderer)
        )


class PermissionGroupForm(forms.ModelForm):
    """Django's group form plus ``members``: the staff users who hold the group's permissions."""

    members = StaffMemberChoices(
        queryset=User.objects.none(),
        required=False,
        label=_("Members"),
        widget=MembersWidget(_("staff members"), is_stacked=False),
        help_text=_(
            "Staff who hold this group's permissions. People appear here once they have signed in to the "
            "portal as staff."
        ),
    )

    class Meta:
        model = Group
        fields = ("name", "permissions", "members")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        members.queryset = User.objects.filter(is_staff=True).order_by("username")
        if self.instance.pk:
            members.initial = list(self.instance.user_set.filter(is_staff=True).values_list("pk", flat=True))
        if is_cognito_staff_group(self.instance):
            members.disabled = True  # shown read-only by the admin (PermissionGroupAdmin.staff_members)

    def _save_m2m(self) -> None:
        super()._save_m2m()
        members = self.fields["members"]
        if members.disabled or "members" not in self.changed_data:
            return
        # Non-staff rows (a former staff member) are left as they are: they cannot use the admin anyway.
        kept = list(self.instance.user_set.filter(is_staff=False))
        self.instance.user_set.set([*self.cleaned_data["members"], *kept])


def is_cognito_staff_group(group: Group | None) -> bool:
    """True for the Django group that ``roles.apply_groups`` keeps in step with Cognito's staff group."""
    return bool(group is not None and group.pk and group.name == STAFF_GROUP_NAME)


class PermissionGroupAdmin(GroupAdmin):
    """Django's GroupAdmin with the members field (see the module docstring); the Cognito staff group's
    members are a read-only list, since Cognito decides them."""

    form = PermissionGroupForm
    fieldsets = ((None, {"fields": ("name", "permissions", "members")}),)

    def get_fieldsets(self, request, obj=None):
        if is_cognito_staff_group(obj):
            return ((None, {"fields": ("name", "permissions", "staff_members")}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ("staff_members",) if is_cognito_staff_group(obj) else ()

    @admin.display(description=_("Members"))
    def staff_members(self, group: Group) -> str:
        """The members as a list, and where they are decided."""
        names = [member_label(user) for user in group.user_set.filter(is_staff=True).order_by("username")]
        return format_html(
            '{}<p class="help">{}</p>',
            ", ".join(names) or "—",
            _("Everyone in the Cognito staff group is a member, set at each sign-in: change it in Cognito."),
        )

    def add_view(self, request, form_url="", extra_context=None):
        # "Add group" alone reads like the pool's groups; say which kind this is.
        extra_context = {"title": _("Add Django permission group"), **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": _("Change Django permission group"), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)


admin.site.unregister(Group)
admin.site.register(Group, PermissionGroupAdmin)
