"""Open311 GeoReport v2 at /open311/v2/ (issue #13 item 8): service discovery, the services (our incident
categories) and their definitions, POST a request (through incidents.services.intake, channel open311), tokens, GET
requests and GET a request, in XML and JSON by the suffix, errors as the spec's list of {code, description}, and the
report photos (stored without EXIF) behind signed links. docs/open311.md is the reference for clients: what each
field holds, how our states map to open/closed, what is accepted and ignored."""
