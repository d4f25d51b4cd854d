"""Content-Security-Policy per area: strict everywhere, one relaxation for Django admin's styles."""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts


class NewsroomCSPMiddleware(CSPMiddleware):
    """The strict site-wide policy, plus inline styles in admin (its templates use style attributes).

    Scripts stay same-origin everywhere; reader pages get no inline script or style at all.
    """

    admin_prefix = "/admin/"

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(self.admin_prefix) and parts.update is None:
            parts.update = {"style-src": [UNSAFE_INLINE]}
        return parts
