"""`shequ adduser`: a staff user from the command line, with the same rules as the pages."""

import io

import pytest
from django.core.management import CommandError, call_command

from shequ.org.models import AuditEvent, User

GOOD = "Lijing-work-2026"


def adduser(*args: str) -> str:
    out = io.StringIO()
    call_command("adduser", *args, stdout=out)
    return out.getvalue()


def test_adduser_creates_a_community_worker(tree):
    output = adduser(
        "xiaoli", "--role", "community", "--unit", tree.community_a.code, "--password", GOOD
    )
    assert "created xiaoli (社区工作人员) at 丽景社区 340603020001" in output
    user = User.objects.get(username="xiaoli")
    assert (user.role, user.unit, user.full_name) == ("community", tree.community_a, "xiaoli")
    assert user.check_password(GOOD)
    assert not user.is_superuser and not user.is_staff


def test_adduser_takes_name_and_phone(tree):
    adduser(
        "xiaoli",
        "--role",
        "grid",
        "--unit",
        tree.grid_a1.code,
        "--password",
        GOOD,
        "--name",
        "李小丽",
        "--phone",
        "+86 139 1234 5678",
    )
    user = User.objects.get(username="xiaoli")
    assert (user.full_name, user.phone, user.role) == ("李小丽", "13912345678", "grid")


def test_adduser_is_recorded_in_the_change_log(tree):
    adduser("xiaoli", "--role", "city", "--unit", tree.city.code, "--password", GOOD)
    event = AuditEvent.objects.get(action="user.create", target_label="xiaoli")
    assert event.actor is None
    assert event.unit_code == tree.city.code


def test_created_user_can_log_in(client, tree):
    adduser("xiaoli", "--role", "community", "--unit", tree.community_a.code, "--password", GOOD)
    response = client.post("/accounts/login/", {"username": "xiaoli", "password": GOOD})
    assert response.status_code == 302


def test_adduser_refuses_an_unknown_role(tree):
    with pytest.raises(CommandError, match="argument --role: invalid choice: 'mayor'"):
        adduser("xiaoli", "--role", "mayor", "--unit", tree.community_a.code, "--password", GOOD)


def test_adduser_refuses_a_role_of_another_level(tree):
    with pytest.raises(CommandError) as excinfo:
        adduser("xiaoli", "--role", "community", "--unit", tree.street.code, "--password", GOOD)
    assert str(excinfo.value) == (
        "role: “社区工作人员”须属于社区/村级单位，示范街道 是街道/乡镇级。"
    )
    assert not User.objects.filter(username="xiaoli").exists()


def test_adduser_refuses_an_unknown_unit(tree):
    with pytest.raises(CommandError) as excinfo:
        adduser("xiaoli", "--role", "community", "--unit", "340603020999", "--password", GOOD)
    assert str(excinfo.value) == "单位代码 340603020999 不存在 (no unit with code 340603020999)"


def test_adduser_refuses_a_weak_password(tree):
    with pytest.raises(CommandError) as excinfo:
        adduser(
            "xiaoli", "--role", "community", "--unit", tree.community_a.code, "--password", "123"
        )
    message = str(excinfo.value)
    assert message.startswith("password: ")
    assert "密码太短，至少需要 10 个字符。" in message
    assert "密码只包含数字。" in message
    assert not User.objects.filter(username="xiaoli").exists()


def test_adduser_refuses_an_existing_user_name(people, tree):
    with pytest.raises(CommandError, match="username: 用户名 worker_a 已存在。"):
        adduser(
            "worker_a", "--role", "community", "--unit", tree.community_b.code, "--password", GOOD
        )


def test_adduser_refuses_a_closed_unit(people, tree):
    from shequ.org import services

    services.org_unit_close(actor=people.street_admin, unit=tree.grid_a2, reason="合并")
    with pytest.raises(CommandError, match="unit: 第2网格 已撤销。"):
        adduser("xiaoli", "--role", "grid", "--unit", tree.grid_a2.code, "--password", GOOD)


def test_adduser_asks_for_the_password_twice(tree, monkeypatch):
    answers = iter([GOOD, GOOD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    adduser("xiaoli", "--role", "community", "--unit", tree.community_a.code)
    assert User.objects.get(username="xiaoli").check_password(GOOD)


def test_adduser_refuses_differing_passwords(tree, monkeypatch):
    answers = iter([GOOD, GOOD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="passwords differ"):
        adduser("xiaoli", "--role", "community", "--unit", tree.community_a.code)


def test_adduser_error_exits_non_zero(tree, capsys):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(
        ["shequ", "adduser", "x", "--role", "community", "--unit", "1", "--password", GOOD]
    )
    with pytest.raises(SystemExit) as excinfo:
        utility.execute()
    assert excinfo.value.code == 1
    assert "CommandError: 单位代码 1 不存在" in capsys.readouterr().err


def test_adduser_without_a_terminal_says_to_pass_the_password(tree, monkeypatch, capsys):
    from django.core.management import ManagementUtility

    def no_terminal(prompt=""):
        raise EOFError  # what getpass raises with no tty and an empty stdin

    monkeypatch.setattr("getpass.getpass", no_terminal)
    utility = ManagementUtility(
        ["shequ", "adduser", "xiaoli", "--role", "community", "--unit", tree.community_a.code]
    )
    with pytest.raises(SystemExit) as excinfo:
        utility.execute()
    assert excinfo.value.code == 1
    err = capsys.readouterr().err
    assert "CommandError: 没有可以输入密码的终端：请用 --password 给出密码，或在终端中运行。" in err
    assert "Traceback" not in err
    # No database check here: run_from_argv closes the connections on its way out.
