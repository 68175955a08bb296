"""Settings of the web app (pydantic-settings; environment variables ``HEMISPASM_WEB_*``).

Outside ``dev`` the app refuses to start without a secret key of its own: a missing key, the
documented example key or one shorter than 32 characters is a one-line error.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hemispasm.errors import HemispasmError

#: The example key in docs/web.md; refused outside --dev like a missing one.
EXAMPLE_SECRET = "change-me"
DEV_SECRET = "hemispasm-dev-only-secret-not-for-real-data"
MIN_SECRET_CHARS = 32


class WebConfigError(HemispasmError):
    """The web app's configuration is unsafe or incomplete."""


class WebSettings(BaseSettings):
    """Settings of ``hemispasm serve``; every field can be set as ``HEMISPASM_WEB_<NAME>``.

    Limits marked "engineering choice" are not clinical figures; docs/web.md says so.
    """

    model_config = SettingsConfigDict(env_prefix="HEMISPASM_WEB_", extra="ignore")

    secret_key: str | None = Field(default=None, description="Signs the login-form CSRF token.")
    dev: bool = Field(default=False, description="Plain-HTTP cookies, a built-in secret.")
    demo: bool = Field(default=False, description="Synthetic registry: SYNTHETIC banner.")
    db_url: str | None = Field(default=None, description="Registry URL (default: the registry's).")
    data_dir: Path | None = Field(default=None, description="Web data folder (uploads in work).")
    max_upload_mb: float = Field(default=500.0, gt=0, description="Upload size limit (choice).")
    session_hours: float = Field(default=12.0, gt=0, description="Session lifetime (choice).")
    login_max_failures: int = Field(default=5, ge=1, description="Failures before lockout.")
    lockout_minutes: float = Field(default=15.0, gt=0, description="Lockout length (choice).")
    login_per_minute: int = Field(default=10, ge=1, description="Login attempts per client/min.")
    job_workers: int = Field(default=1, ge=1, le=8, description="Analyses run at once.")
    home_record_seconds: int = Field(
        default=190,
        ge=1,
        le=600,
        description="Length of the home recording: the standard provocation protocol "
        "(`hemispasm protocol`, 190 s), its tasks scaled to this length when it differs.",
    )

    def checked(self) -> WebSettings:
        """These settings with the secret checked (dev gets a built-in one).

        Raises
        ------
        WebConfigError
            No secret, the example secret, or a short one, outside dev.
        """
        if self.dev:
            if not self.secret_key:
                return self.model_copy(update={"secret_key": DEV_SECRET})
            return self
        key = self.secret_key or ""
        if not key or key in (EXAMPLE_SECRET, DEV_SECRET) or len(key) < MIN_SECRET_CHARS:
            what = "is not set" if not key else "is the example or too short"
            raise WebConfigError(
                f"HEMISPASM_WEB_SECRET_KEY {what}",
                hint=f"set it to a random value of at least {MIN_SECRET_CHARS} characters, "
                "e.g. `export HEMISPASM_WEB_SECRET_KEY=$(python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')`, or use --dev on your own machine",
            )
        return self

    @property
    def max_upload_bytes(self) -> int:
        """The upload size limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)
