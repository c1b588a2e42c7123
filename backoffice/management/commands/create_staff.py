from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from backoffice.access.roles import ROLES


class Command(BaseCommand):
    help = "Create (or update) a staff user with one role: viewer, support, operator or admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--password", help="defaults to asking on the terminal")
        parser.add_argument("--email", default="")

    def handle(self, username, role, password=None, email="", **options):
        if password is None:
            import getpass

            password = getpass.getpass(f"Password for {username}: ")
        try:
            validate_password(password, get_user_model()(username=username, email=email))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        user = create_staff_user(username, role, password, email)
        self.stdout.write(self.style.SUCCESS(f"{user.username} is staff with role {role}"))


def create_staff_user(username: str, role: str, password: str, email: str = ""):
    try:
        group = Group.objects.get(name=role)
    except Group.DoesNotExist as exc:
        raise CommandError(f"Role {role!r} is missing: run `manage.py migrate` first") from exc
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_superuser = False
    user.set_password(password)
    user.save()
    user.groups.set([group])
    return user
