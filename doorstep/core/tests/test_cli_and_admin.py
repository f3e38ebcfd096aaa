"""Bad input on the command line gets a Chinese message and changes nothing; admin changes are audited; the command
line speaks English when DOORSTEP_LANGUAGE=en asks for it."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.core.tests.test_transport import production_env, run_cli
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.org.models import OrgNode, ServiceCenter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("args, message", [
    (["--scale", "huge"], "规模只能是"),
    (["--seed", "abc"], "种子必须是整数"),
    ([], "演示数据已存在"),
])
def test_demo_command_refuses_bad_input_without_changes(args, message):
    before = OrgNode.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("demo", *args)
    assert OrgNode.objects.count() == before


def test_audit_verify_command_reports_an_intact_chain(capsys):
    call_command("audit", "verify")
    assert "审计链完整" in capsys.readouterr().out


def test_command_line_speaks_english_only_when_doorstep_language_asks(tmp_path):
    # check --deploy with a public address that is plain HTTP and not among the allowed hosts: W103 and W104
    env = production_env(tmp_path, DOORSTEP_PUBLIC_BASE_URL="http://10.0.0.5:8000")
    chinese = run_cli(env, "check", "--deploy")
    assert "不是 https 地址" in chinese.stderr and "is not an https address" not in chinese.stderr
    english = run_cli({**env, "DOORSTEP_LANGUAGE": "en"}, "check", "--deploy")
    assert "is not an https address" in english.stderr and "不是 https 地址" not in english.stderr
    assert "The host 10.0.0.5 of DOORSTEP_PUBLIC_BASE_URL" in english.stderr
    unknown = run_cli({**env, "DOORSTEP_LANGUAGE": "klingon"}, "check", "--deploy")
    assert unknown.returncode != 0 and "DOORSTEP_LANGUAGE=klingon" in unknown.stderr


def test_admin_change_of_a_service_center_is_audited():
    client = Client()
    client.post("/accounts/login/", {"username": "admin", "password": DEMO_PASSWORD})
    center = ServiceCenter.objects.order_by("id").first()
    url = f"/admin/org/servicecenter/{center.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update({"name": center.name, "org_node": center.org_node_id, "phone": "0731-58880000",
                 "windows-TOTAL_FORMS": "0", "windows-INITIAL_FORMS": "0",
                 "opening_hours-TOTAL_FORMS": "0", "opening_hours-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    center.refresh_from_db()
    assert center.phone == "0731-58880000"
    event = AuditEvent.objects.filter(action="admin.change", target_id=str(center.pk)).latest("id")
    assert "phone" in event.summary["fields"]
