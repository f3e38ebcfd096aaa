"""System checks for the transport settings: `doorstep check` fails on a malformed proxy list or public base URL,
and `doorstep check --deploy` warns when the public base URL would give residents links that cannot work."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext

from doorstep.core.clientip import trusted_networks


@register()
def check_transport_settings(app_configs, **kwargs):
    errors = []
    try:
        trusted_networks(tuple(settings.DOORSTEP_TRUSTED_PROXIES))
    except ValueError as exc:
        errors.append(Error(gettext("DOORSTEP_TRUSTED_PROXIES 含有无效的地址或网段：{problem}").format(problem=exc),
                            hint=gettext("用逗号分隔的 IP 地址或 CIDR，例如 10.0.0.2,10.0.1.0/24"), id="doorstep.E101"))
    parts = urlsplit(settings.DOORSTEP_PUBLIC_BASE_URL)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        errors.append(Error(gettext("DOORSTEP_PUBLIC_BASE_URL 不是有效的网址：{url}").format(
            url=repr(settings.DOORSTEP_PUBLIC_BASE_URL)), hint=gettext("例如 https://doorstep.example.gov.cn"),
            id="doorstep.E102"))
    return errors


@register(Tags.security, deploy=True)
def check_public_base_url_for_deploy(app_configs, **kwargs):
    warnings = []
    parts = urlsplit(settings.DOORSTEP_PUBLIC_BASE_URL)
    if getattr(settings, "DOORSTEP_HTTPS", False) and parts.scheme != "https":
        warnings.append(Warning(gettext("DOORSTEP_PUBLIC_BASE_URL 不是 https 地址，回执和证照二维码会指向明文 HTTP。"),
                                id="doorstep.W103"))
    host, _ = split_domain_port(parts.netloc)
    if host and not validate_host(host, settings.ALLOWED_HOSTS):
        warnings.append(Warning(gettext("DOORSTEP_PUBLIC_BASE_URL 的主机 {host} 不在 DOORSTEP_ALLOWED_HOSTS 中，"
                                        "居民扫码打开会被拒绝（400）。").format(host=host), id="doorstep.W104"))
    if host in {"127.0.0.1", "localhost", "::1"} and not settings.DEBUG:
        warnings.append(Warning(gettext("DOORSTEP_PUBLIC_BASE_URL 仍是本机地址，居民的手机打不开二维码和链接。"),
                                hint=gettext("设为居民能访问的地址，例如 https://doorstep.example.gov.cn"),
                                id="doorstep.W105"))
    return warnings
