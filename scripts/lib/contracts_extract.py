#!/usr/bin/env python3
"""scripts/lib/contracts_extract.py: turn the vendors' official SDK packages into the contract
fixtures under sim/contracts/. Called by scripts/refresh-contracts (read its header first); it only
reads the unpacked packages it is given and writes one JSON file per call:

  contracts_extract.py genesys --py-root DIR --npm-root DIR --pypi-spec S --npm-spec S --out FILE
  contracts_extract.py cognigy --pkg-root DIR --npm-spec S --out FILE

Standard library only (Python 3.8+). Output: keys sorted, 2-space indent, trailing newline, and
nothing that depends on the machine, the clock or the order of a directory listing, so a re-run on
the same packages gives a byte-identical file.

To add an operation, add one line to GENESYS_OPERATIONS or COGNIGY_OPERATIONS below.
"""

import argparse
import ast
import json
import os
import re
import sys

# --------------------------------------------------------------------------------------------
# The operations cxrelay (or its simulator) uses: (HTTP method, path template as the SDK spells it).
# --------------------------------------------------------------------------------------------
GENESYS_OPERATIONS = [
    ("POST", "/api/v2/flows/executions"),
    ("GET", "/api/v2/flows/executions/{flowExecutionId}"),
    ("GET", "/api/v2/flows/{flowId}"),
    ("GET", "/api/v2/routing/queues/{queueId}"),
    ("GET", "/api/v2/conversations/{conversationId}"),
    ("POST", "/api/v2/conversations/{conversationId}/participants/{participantId}/replace/queue"),
    ("POST", "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/replace"),
    ("POST", "/api/v2/conversations/messages"),
    ("POST", "/api/v2/conversations/messages/agentless"),
    ("GET", "/api/v2/analytics/conversations/{conversationId}/details"),
    ("POST", "/api/v2/analytics/conversations/details/query"),
    ("POST", "/api/v2/processautomation/triggers"),
    ("GET", "/api/v2/processautomation/triggers"),
    ("GET", "/api/v2/processautomation/triggers/{triggerId}"),
    ("POST", "/api/v2/integrations/botconnectors/outgoing/messages"),
]
# Models recorded even when no operation above references them.
GENESYS_ERROR_MODEL = "ErrorBody"
GENESYS_EXTRA_MODELS = [GENESYS_ERROR_MODEL]

COGNIGY_OPERATIONS = [
    ("GET", "/new/v2.0/endpoints/{endpointId}"),
    ("GET", "/new/v2.0/snapshots"),
    ("GET", "/new/v2.0/conversations/{sessionId}"),
    ("POST", "/new/v2.0/endpoint/notify"),
    ("POST", "/new/v2.0/endpoint/inject"),
    ("POST", "/new/v2.0/sessions/{sessionId}/context/inject"),
]
COGNIGY_ERROR_MODEL = "IErrorResponse"  # the package's RFC 7807 error body
COGNIGY_EXTRA_MODELS = [COGNIGY_ERROR_MODEL]

GENERATED_BY = "scripts/refresh-contracts"


def warn(msg):
    print("contracts_extract: warning: " + msg, file=sys.stderr)


def die(msg):
    print("contracts_extract: error: " + msg, file=sys.stderr)
    sys.exit(1)


def write_json(path, obj):
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ============================================================================================
# Genesys Cloud: PureCloudPlatformClientV2 (PyPI) + purecloud-platform-client-v2 (npm)
# ============================================================================================

PERMISSION_RE = re.compile(r"Requires (ANY|ALL) permissions?:(.*?)(?:\n\s*\n|\Z)", re.S)
PERMISSION_TOKEN_RE = re.compile(r"[A-Za-z0-9_]+(?::[A-Za-z0-9_*]+){1,3}")


def permissions_in(text):
    """Permission names in an operation's doc text ("Requires ANY permissions: a:b:c, d:e:f"),
    or None when the text says nothing about permissions."""
    found = None
    for m in PERMISSION_RE.finditer(text or ""):
        found = found or []
        for tok in PERMISSION_TOKEN_RE.findall(m.group(2)):
            if tok not in found:
                found.append(tok)
    return found


def py_type(t, enum=None):
    """A swagger_types / docstring type of the Python SDK as a contract <type>."""
    t = t.strip()
    m = re.fullmatch(r"list\[(.*)\]", t)
    if m:
        return {"type": "array", "items": py_type(m.group(1), enum)}
    m = re.fullmatch(r"dict\(\s*str\s*,\s*(.*)\)", t)
    if m:
        return {"type": "map", "values": py_type(m.group(1))}
    simple = {
        "str": "string", "int": "integer", "float": "number", "bool": "boolean",
        "datetime": "date-time", "date": "date", "object": "any",
    }
    if t in simple:
        out = {"type": simple[t]}
        if t == "str" and enum:
            out["enum"] = list(enum)
        return out
    if re.fullmatch(r"[A-Z][A-Za-z0-9_]*", t):
        return {"type": "ref", "model": t}
    warn("unknown Python SDK type %r: recorded as any" % t)
    return {"type": "any"}


def refs_in(typ):
    if typ["type"] == "ref":
        yield typ["model"]
    elif typ["type"] == "array":
        yield from refs_in(typ["items"])
    elif typ["type"] == "map":
        yield from refs_in(typ["values"])


def camel(snake):
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def parse_py_apis(py_pkg):
    """Every operation of the Python SDK: {(METHOD, path): info}."""
    apis_dir = os.path.join(py_pkg, "apis")
    ops = {}
    for fname in sorted(os.listdir(apis_dir)):
        if not fname.endswith(".py") or fname == "__init__.py":
            continue
        text = read(os.path.join(apis_dir, fname))
        for chunk in re.split(r"\n    def ", text)[1:]:
            name = chunk.split("(", 1)[0]
            rp = re.search(r"resource_path = '([^']*)'", chunk)
            call = re.search(r"call_api\(resource_path, '([A-Z]+)'", chunk)
            if not rp or not call:
                continue
            method, path = call.group(1), rp.group(1)
            doc_m = re.search(r'"""(.*?)"""', chunk, re.S)
            doc = doc_m.group(1) if doc_m else ""
            param_types = {}
            for pm in re.finditer(r":param (\S+) (\w+):", doc):
                if pm.group(1) != "callback":
                    param_types[pm.group(2)] = pm.group(1)
            required = set(re.findall(r"# verify the required parameter '(\w+)' is set", chunk))
            path_params = re.findall(r"path_params\['([^']+)'\] = params\['(\w+)'\]", chunk)
            query_params = re.findall(r"query_params\['([^']+)'\] = params\['(\w+)'\]", chunk)
            body = re.search(r"body_params = params\['(\w+)'\]", chunk)
            rtype = re.search(r"response_type=(?:'([^']*)'|None)", chunk)
            info = {
                "pyName": name,
                "file": fname,
                "method": method,
                "path": path,
                "doc": doc,
                "pathParams": [p for p, _ in path_params],
                "queryParams": [
                    {"name": q, "required": py in required, "pyType": param_types.get(py, "str")}
                    for q, py in query_params
                ],
                "bodyType": param_types.get(body.group(1)) if body else None,
                "responseType": rtype.group(1) if rtype and rtype.group(1) else None,
            }
            key = (method, path)
            if key in ops:
                prev = ops[key]
                if (prev["responseType"], prev["bodyType"], prev["queryParams"]) != (
                        info["responseType"], info["bodyType"], info["queryParams"]):
                    warn("%s %s is defined twice with different shapes (%s, %s): keeping %s" % (
                        method, path, prev["file"], fname, prev["file"]))
                continue
            ops[key] = info
    return ops


def parse_js_apis(npm_pkg):
    """Operation ids and doc comments of the npm SDK: {(METHOD, path): (operationId, doc)}."""
    api_dir = os.path.join(npm_pkg, "src", "purecloud-platform-client-v2", "api")
    ops = {}
    if not os.path.isdir(api_dir):
        warn("no %s: operation ids come from the Python method names" % api_dir)
        return ops
    call = re.compile(r"^\t(\w+)\([^)]*\)\s*\{.*?callApi\(\s*'([^']+)',\s*'([A-Z]+)'", re.S | re.M)
    for fname in sorted(os.listdir(api_dir)):
        if not fname.endswith(".js"):
            continue
        for chunk in read(os.path.join(api_dir, fname)).split("/**")[1:]:
            doc, _, code = chunk.partition("*/")
            m = call.search(code)
            if m:
                ops.setdefault((m.group(3), m.group(2)), (m.group(1), doc))
    return ops


class PyModels:
    """Reads models/*.py of the Python SDK on demand."""

    def __init__(self, py_pkg):
        self.dir = os.path.join(py_pkg, "models")
        self.module_of = {}
        for m in re.finditer(r"^from \.(\w+) import (\w+)$",
                             read(os.path.join(self.dir, "__init__.py")), re.M):
            self.module_of[m.group(2)] = m.group(1)

    def load(self, name):
        """[(jsonName, swaggerType, enumValues or None)] of a model."""
        module = self.module_of.get(name)
        if module is None:
            die("model %s is not in the Python SDK" % name)
        tree = ast.parse(read(os.path.join(self.dir, module + ".py")))
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
        swagger_types, attribute_map, enums = {}, {}, {}
        order = []
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            if fn.name == "__init__":
                for st in fn.body:
                    if (isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Attribute)
                            and st.targets[0].attr in ("swagger_types", "attribute_map")):
                        value = ast.literal_eval(st.value)
                        if st.targets[0].attr == "swagger_types":
                            swagger_types = value
                            order = [k.value for k in st.value.keys]
                        else:
                            attribute_map = value
            is_setter = any(isinstance(d, ast.Attribute) and d.attr == "setter"
                            for d in fn.decorator_list)
            if is_setter:
                for st in ast.walk(fn):
                    if (isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name)
                            and st.targets[0].id == "allowed_values"):
                        enums[fn.name] = ast.literal_eval(st.value)
        return [(attribute_map.get(attr, attr), swagger_types[attr], enums.get(attr))
                for attr in order]


def parse_npm_models(npm_pkg):
    """{model: {jsonField: required}} from index.d.ts (namespace Models)."""
    text = read(os.path.join(npm_pkg, "index.d.ts"))
    start = text.find("declare namespace Models {")
    if start < 0:
        die("index.d.ts has no `declare namespace Models`")
    models = {}
    current = None
    for line in text[start:].splitlines():
        m = re.match(r"^\texport interface (\w+)\b", line)
        if m:
            current = models.setdefault(m.group(1), {})
            continue
        if line.startswith("\t}"):
            current = None
            continue
        if current is not None:
            f = re.match(r'^\t\t"([^"]+)"(\?)?:', line)
            if f:
                current[f.group(1)] = f.group(2) is None
    return models


def genesys(args):
    py_pkg = os.path.join(args.py_root, "PureCloudPlatformClientV2")
    py_ops = parse_py_apis(py_pkg)
    js_ops = parse_js_apis(args.npm_root)
    npm_models = parse_npm_models(args.npm_root)
    py_models = PyModels(py_pkg)

    operations, roots = [], []
    any_permissions = False
    for method, path in GENESYS_OPERATIONS:
        info = py_ops.get((method, path))
        if info is None:
            die("%s %s is not in the Python SDK" % (method, path))
        js = js_ops.get((method, path))
        op_id = js[0] if js else camel(info["pyName"])
        if js and js[0] != camel(info["pyName"]):
            warn("%s %s: npm calls it %s, Python %s" % (method, path, js[0], info["pyName"]))
        if not js:
            warn("%s %s is not in the npm SDK" % (method, path))
        perms = permissions_in(info["doc"])
        if perms is None and js:
            perms = permissions_in(js[1])
        any_permissions = any_permissions or perms is not None
        request_model = info["bodyType"]
        if request_model is not None and py_type(request_model)["type"] != "ref":
            warn("%s %s: body is %s, not a model: requestModel null" % (method, path, request_model))
            request_model = None
        response_model = info["responseType"]
        if response_model is not None and py_type(response_model)["type"] != "ref":
            warn("%s %s: response is %s, not a model: responseModel null"
                 % (method, path, response_model))
            response_model = None
        roots += [m for m in (request_model, response_model) if m]
        operations.append({
            "operationId": op_id,
            "method": method,
            "path": path,
            "pathParams": info["pathParams"],
            "queryParams": [{"name": q["name"], "required": q["required"],
                             "type": py_type(q["pyType"])} for q in info["queryParams"]],
            "permissions": perms,
            "requestModel": request_model,
            "responseModel": response_model,
        })
    if not any_permissions:
        warn("no package carries per-operation permission text: permissions are null")

    models, todo = {}, roots + GENESYS_EXTRA_MODELS
    missing_in_npm, fields_missing_in_npm = [], 0
    while todo:
        name = todo.pop()
        if name in models:
            continue
        required = npm_models.get(name)
        if required is None:
            missing_in_npm.append(name)
            required = {}
        fields = {}
        for json_name, swagger_type, enum in py_models.load(name):
            typ = py_type(swagger_type, enum)
            if json_name not in required and name not in missing_in_npm:
                fields_missing_in_npm += 1
            fields[json_name] = {"required": required.get(json_name, False), "type": typ}
            todo.extend(r for r in refs_in(typ) if r not in models)
        models[name] = {"fields": fields}
    if missing_in_npm:
        warn("%d models are not in the npm index.d.ts (all their fields recorded optional): %s"
             % (len(missing_in_npm), ", ".join(sorted(missing_in_npm))))
    if fields_missing_in_npm:
        warn("%d fields are not in the npm index.d.ts (recorded optional)" % fields_missing_in_npm)

    write_json(args.out, {
        "generatedBy": GENERATED_BY,
        "sources": {"pypi": args.pypi_spec, "npm": args.npm_spec},
        "errorModel": GENESYS_ERROR_MODEL,
        "operations": operations,
        "models": models,
    })
    print("%s: %d operations, %d models" % (args.out, len(operations), len(models)))


# ============================================================================================
# NICE Cognigy.AI: @cognigy/rest-api-client (npm)
# ============================================================================================

# ---- routes, from the compiled client (build/apigroups/*.js, build/authentication/**.js) ----

CALL_RE = re.compile(
    r"Generic(API|Upload|Tus)Fn\)\(\s*(\"[^\"]*\"|`[^`]*`)\s*,\s*(?:\"([A-Z]+)\"\s*,\s*)?self\)"
    r"(?:\)?\(\s*(\w+))?")
KEY_RE = re.compile(r"^ {8}(\w+): ", re.M)


def group_of(file_stem):
    m = re.match(r"(\w+?)APIGroup_(\d+)_(\d+)$", file_stem)
    return m.group(1)[:1].lower() + m.group(1)[1:] if m else file_stem


def template_path(literal):
    """("path", query) from a JS string or template literal; query is None (no query string),
    "args" (every remaining argument) or a list of names."""
    body = literal[1:-1]
    query = None
    if "?" in body:
        body, q = body.split("?", 1)
        m = re.search(r"stringifyQuery\)\((.*)\)\}$", q)
        if m and m.group(1).strip() == "args":
            query = "args"
        elif m:
            query = re.findall(r"\w+", m.group(1))
        else:
            query = "args"
    path = re.sub(r"\$\{([^}]*)\}",
                  lambda m: "{%s}" % re.findall(r"[A-Za-z_$][\w$]*", m.group(1))[-1], body)
    stray = re.sub(r"(\{\w+\})\}", r"\1", path)
    if stray != path:  # e.g. 0.19.0 readLogEntry: `/new/v2.0/projects/${projectId}/logs/${logEntryId}}`
        warn("route %s has a stray '}': recorded as %s" % (literal, stray))
        path = stray
    if "$" in path or "`" in path or not re.fullmatch(r"[^{}]*(\{\w+\}[^{}]*)*", path):
        warn("could not normalise route %s" % literal)
    return path, query


def parse_routes(pkg):
    build = os.path.join(pkg, "build")
    routes = []  # dicts: group, fn, method, path, query, body
    apigroups = os.path.join(build, "apigroups")
    sources = [(group_of(f[:-3]), f[:-3], os.path.join(apigroups, f))
               for f in sorted(os.listdir(apigroups)) if re.match(r"\w+APIGroup_\d+_\d+\.js$", f)]
    auth = os.path.join(build, "authentication", "AuthenticationAPI.js")
    if os.path.exists(auth):
        sources.append(("authentication", "AuthenticationAPI", auth))
    for group, stem, path in sources:
        text = read(path)
        keys = [(m.start(), m.group(1)) for m in KEY_RE.finditer(text)]
        for m in CALL_RE.finditer(text):
            kind, literal, method, arg = m.groups()
            fn = next((k for pos, k in reversed(keys) if pos < m.start()), None)
            if fn is None:
                # inline object methods (AdministrationAPIGroup_2_1) have no 8-space key
                before = text[:m.start()]
                km = list(re.finditer(r"[{,]\s*(\w+):\s*\(", before))
                fn = km[-1].group(1) if km else "?"
            if method is None:  # tus: resumable upload, created with POST (then PATCH/HEAD)
                method = "POST"
            p, query = template_path(literal)
            routes.append({"group": group, "file": stem, "fn": fn, "method": method, "path": p,
                           "query": query, "body": arg not in (None, "undefined"),
                           "kind": kind})
    # OAuth2 handler: plain request objects {method: "POST", url: "/auth/oauth2/..."}.
    oauth = os.path.join(build, "authentication", "OAuth2", "OAuth2Authentication.js")
    if os.path.exists(oauth):
        text = read(oauth)
        for m in re.finditer(r"\"(/auth/[\w/.-]+)\"", text):
            after = re.search(r"method:\s*\"([A-Z]+)\"", text[m.end():m.end() + 400])
            before = re.findall(r"method:\s*\"([A-Z]+)\"", text[max(0, m.start() - 400):m.start()])
            method = after.group(1) if after else (before[-1] if before else "POST")
            routes.append({"group": "authentication", "file": "OAuth2Authentication", "fn": None,
                           "method": method, "path": m.group(1), "query": None, "body": True,
                           "kind": "request"})
    return routes


# ---- a small reader of TypeScript declaration files (types/index.d.ts) ----

TOKEN_RE = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<tpl>`(?:[^`\\]|\\.)*`)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<id>[A-Za-z_$][\w$]*)
  | (?P<punct>=>|\.\.\.|[{}\[\]()<>,;:?|&=.*+\-!@#%^~/])
""", re.S | re.X)


def tokenize(text):
    toks = []
    pos = 0
    for m in TOKEN_RE.finditer(text):
        if m.start() != pos:
            raise ValueError("cannot tokenize at %d: %r" % (pos, text[pos:pos + 40]))
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        val = m.group(kind)
        if kind == "str":
            val = ast.literal_eval(val) if val[0] == '"' else val[1:-1]
        toks.append((kind, val))
    if pos != len(text):
        raise ValueError("cannot tokenize at %d" % pos)
    toks.append(("eof", None))
    return toks


ANY = ("any",)


class TSParser:
    """Declarations of a .d.ts bundle: interfaces, type aliases, const tuples and enums.
    Type nodes: ("lit", str) ("num",) ("ref", name, [args]) ("array", t) ("tuple", [t])
    ("union", [t]) ("inter", [t]) ("obj", [members]) ("index", t, t) ("typeof", name)
    ("keyof", t) ("any",) for everything else (functions, mapped and conditional types).
    Members: ("prop", name, optional, t) and ("indexsig", t)."""

    def __init__(self, text):
        self.t = tokenize(text)
        self.i = 0
        self.decls = {}

    # token helpers
    def peek(self, k=0):
        return self.t[min(self.i + k, len(self.t) - 1)]

    def val(self, k=0):
        return self.peek(k)[1]

    def next(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def accept(self, v):
        if self.val() == v and self.peek()[0] in ("punct", "id"):
            self.i += 1
            return True
        return False

    def expect(self, v):
        if not self.accept(v):
            raise ValueError("expected %r at token %d, got %r" % (v, self.i, self.peek()))

    def skip_balanced(self):
        """At an opening bracket: skip to just after its closing one."""
        pairs = {"{": "}", "(": ")", "[": "]", "<": ">"}
        stack = [pairs[self.next()[1]]]
        while stack:
            kind, v = self.next()
            if kind == "eof":
                return
            if kind == "punct":
                if v in pairs and (v != "<" or stack[-1] == ">"):
                    stack.append(pairs[v])
                elif v == stack[-1]:
                    stack.pop()

    # declarations
    def parse(self):
        while self.peek()[0] != "eof":
            self.statement()
        return self.decls

    def statement(self):
        while self.val() in ("export", "declare", "default", "abstract") and self.peek(1)[0] != "punct":
            self.next()
        v = self.val()
        if v == "interface":
            self.next()
            name = self.next()[1]
            params = self.type_params()
            heritage = []
            if self.accept("extends"):
                heritage.append(self.type())
                while self.accept(","):
                    heritage.append(self.type())
            members = self.members()
            d = self.decls.get(name)
            if d and d[0] == "interface":
                d[3].extend(heritage)
                d[4].extend(members)
            else:
                self.decls[name] = ["interface", name, params, heritage, members]
        elif v == "type" and self.peek(1)[0] == "id":
            self.next()
            name = self.next()[1]
            params = self.type_params()
            self.expect("=")
            self.decls[name] = ["alias", name, params, self.type()]
            self.accept(";")
        elif v in ("const", "let", "var") and self.peek(1)[0] == "id":
            self.next()
            name = self.next()[1]
            if self.accept(":"):
                self.decls.setdefault(name, ["const", name, [], self.type()])
            self.skip_statement()
        elif v == "enum" or (v == "const" and self.val(1) == "enum"):
            self.accept("const")
            self.next()
            name = self.next()[1]
            self.expect("{")
            values, numeric = [], False
            while not self.accept("}"):
                self.next()  # member name
                if self.accept("="):
                    self.accept("-")
                    kind, value = self.next()
                    if kind == "str":
                        values.append(value)
                    numeric = numeric or kind == "num"
                self.accept(",")
            self.decls[name] = ["enum", name, [], values, numeric]
        elif v in ("namespace", "module") and self.peek(1)[0] in ("id", "str"):
            self.next()
            self.next()
            while self.accept("."):
                self.next()
            self.expect("{")
            while not self.accept("}"):
                self.statement()
        else:
            self.skip_statement()

    def skip_statement(self):
        """Skip a statement we do not model (class, function, import, export {...})."""
        if self.val() == "class":
            while self.peek()[0] != "eof" and not (self.peek()[0] == "punct" and self.val() == "{"):
                if self.peek()[0] == "punct" and self.val() in ("(", "[", "<"):
                    self.skip_balanced()
                else:
                    self.next()
            if self.peek()[0] != "eof":
                self.skip_balanced()
            self.accept(";")
            return
        while self.peek()[0] != "eof":
            kind, v = self.peek()
            if kind == "punct" and v in ("{", "(", "["):
                self.skip_balanced()
                continue
            self.next()
            if kind == "punct" and v == ";":
                return

    def type_params(self):
        params = []
        if self.accept("<"):
            while not self.accept(">"):
                name = self.next()[1]
                default = None
                if self.accept("extends"):
                    self.type()
                if self.accept("="):
                    default = self.type()
                params.append((name, default))
                self.accept(",")
        return params

    # members
    def members(self):
        self.expect("{")
        out = []
        while not self.accept("}"):
            m = self.member()
            if m is not None:
                out.append(m)
            while self.accept(";") or self.accept(","):
                pass
        return out

    def member(self):
        while (self.val() in ("readonly", "public", "private", "protected", "static", "+", "-")
               and self.val(1) not in (":", "?", "(", ";", ",")):
            self.next()
        kind, v = self.peek()
        if kind == "punct" and v == "[":
            if self.peek(1)[0] == "id" and self.val(2) == ":":  # index signature
                self.next(); self.next(); self.next()
                self.type()
                self.expect("]")
                self.accept("?")
                self.expect(":")
                return ("indexsig", self.type())
            self.skip_balanced()  # computed name: skip the whole member
            self.skip_member_rest()
            return None
        if kind == "punct" and v in ("(", "<"):  # call signature
            self.skip_member_rest()
            return None
        if v == "new" and self.val(1) in ("(", "<"):
            self.next()
            self.skip_member_rest()
            return None
        if v in ("get", "set") and self.peek(1)[0] in ("id", "str") and self.val(2) == "(":
            self.next()
        name = self.next()[1]
        optional = self.accept("?")
        if self.val() in ("(", "<"):  # method
            self.skip_member_rest()
            return None
        if self.accept(":"):
            return ("prop", name, optional, self.type())
        return ("prop", name, optional, ANY)

    def skip_member_rest(self):
        while self.val() not in (";", ",", "}") or self.peek()[0] != "punct":
            if self.peek()[0] == "punct" and self.val() in ("(", "[", "{", "<"):
                self.skip_balanced()
            elif self.peek()[0] == "eof":
                return
            else:
                self.next()

    # types
    def type(self):
        t = self.union()
        if self.val() == "extends" and self.peek()[0] == "id":  # conditional type
            self.next()
            self.union()
            self.expect("?")
            self.type()
            self.expect(":")
            self.type()
            return ANY
        return t

    def union(self):
        self.accept("|")
        items = [self.intersection()]
        while self.accept("|"):
            items.append(self.intersection())
        return items[0] if len(items) == 1 else ("union", items)

    def intersection(self):
        self.accept("&")
        items = [self.postfix()]
        while self.accept("&"):
            items.append(self.postfix())
        return items[0] if len(items) == 1 else ("inter", items)

    def postfix(self):
        t = self.primary()
        while self.val() == "[" and self.peek()[0] == "punct":
            self.next()
            if self.accept("]"):
                t = ("array", t)
            else:
                idx = self.type()
                self.expect("]")
                t = ("index", t, idx)
        return t

    def is_function_type(self):
        """At "(" or "<": does a function type start here?"""
        save = self.i
        try:
            if self.val() == "<":
                self.skip_balanced()
            if self.val() != "(":
                return False
            self.skip_balanced()
            return self.val() == "=>"
        finally:
            self.i = save

    def primary(self):
        kind, v = self.peek()
        if kind == "str":
            self.next()
            return ("lit", v)
        if kind == "num" or (v == "-" and self.peek(1)[0] == "num"):
            self.accept("-")
            self.next()
            return ("num",)
        if kind == "tpl":
            self.next()
            return ("ref", "string", [])
        if kind == "punct":
            if v == "{":
                if self.peek(1)[0] == "punct" and self.val(1) == "[" and self.val(3) == "in" or (
                        self.val(1) in ("readonly", "+", "-") and self.val(2) == "["):
                    self.skip_balanced()  # mapped type
                    return ANY
                return ("obj", self.members())
            if v == "[":
                self.next()
                items = []
                while not self.accept("]"):
                    self.accept("...")
                    if self.peek()[0] == "id" and self.val(1) in (":", "?") and self.val(2) != "]":
                        self.next()
                        self.accept("?")
                        self.expect(":")
                    items.append(self.type())
                    self.accept("?")
                    self.accept(",")
                return ("tuple", items)
            if v in ("(", "<"):
                if self.is_function_type():
                    if v == "<":
                        self.skip_balanced()
                    self.skip_balanced()
                    self.expect("=>")
                    self.return_type()
                    return ANY
                self.next()
                t = self.type()
                self.expect(")")
                return t
            raise ValueError("unexpected %r at token %d" % (v, self.i))
        # identifiers
        if v == "new" and self.val(1) in ("(", "<"):
            self.next()
            if self.val() == "<":
                self.skip_balanced()
            self.skip_balanced()
            self.expect("=>")
            self.return_type()
            return ANY
        if v in ("abstract",) and self.val(1) == "new":
            self.next()
            return self.primary()
        if v == "keyof":
            self.next()
            return ("keyof", self.postfix())
        if v == "typeof":
            self.next()
            name = self.next()[1]
            while self.accept("."):
                name = self.next()[1]
            return ("typeof", name)
        if v in ("readonly", "unique") and self.peek(1)[0] in ("id", "punct") and self.val(1) not in (
                ",", ";", ">", ")", "]", "|", "&", "="):
            self.next()
            return self.postfix()
        if v == "infer":
            self.next()
            self.next()
            return ANY
        if v == "import" and self.val(1) == "(":
            self.next()
            self.skip_balanced()
            name = "import"
            while self.accept("."):
                name = self.next()[1]
            if self.val() == "<":
                self.skip_balanced()
            return ANY
        self.next()
        name = v
        while self.val() == "." and self.peek()[0] == "punct" and self.peek(1)[0] == "id":
            self.next()
            name = self.next()[1]
        args = []
        if self.val() == "<" and self.peek()[0] == "punct":
            self.next()
            while not self.accept(">"):
                args.append(self.type())
                self.accept(",")
        if self.val() == "is" and self.peek()[0] == "id":  # type predicate
            self.next()
            self.type()
            return ("ref", "boolean", [])
        return ("ref", name, args)

    def return_type(self):
        if self.val() == "asserts":
            self.next()
        self.type()


PRIMITIVES = {
    "string": {"type": "string"}, "String": {"type": "string"},
    "number": {"type": "number"}, "Number": {"type": "number"},
    "bigint": {"type": "integer"},
    "boolean": {"type": "boolean"}, "Boolean": {"type": "boolean"},
    "true": {"type": "boolean"}, "false": {"type": "boolean"},
    "Date": {"type": "date-time"},
    "any": {"type": "any"}, "unknown": {"type": "any"}, "object": {"type": "any"},
    "Object": {"type": "any"}, "Function": {"type": "any"}, "symbol": {"type": "any"},
    "Buffer": {"type": "any"}, "Blob": {"type": "any"}, "File": {"type": "any"},
}
NULLISH = {"null", "undefined", "void", "never"}
NULL = {"type": "null"}  # internal only: dropped from unions


def subst(node, env):
    """Replace type parameters by their arguments."""
    if not env:
        return node
    tag = node[0]
    if tag == "ref":
        if not node[2] and node[1] in env:
            return env[node[1]]
        return ("ref", node[1], [subst(a, env) for a in node[2]])
    if tag in ("array", "keyof"):
        return (tag, subst(node[1], env))
    if tag in ("tuple", "union", "inter"):
        return (tag, [subst(a, env) for a in node[1]])
    if tag == "index":
        return ("index", subst(node[1], env), subst(node[2], env))
    if tag == "obj":
        return ("obj", [(m[0], m[1], m[2], subst(m[3], env)) if m[0] == "prop"
                        else ("indexsig", subst(m[1], env)) for m in node[1]])
    return node


def node_name(node):
    """A readable, stable name for a type node (synthetic model names)."""
    tag = node[0]
    if tag == "ref":
        if node[2]:
            return "%s<%s>" % (node[1], ",".join(node_name(a) for a in node[2]))
        return node[1]
    if tag == "lit":
        return json.dumps(node[1])
    if tag == "array":
        return node_name(node[1]) + "[]"
    if tag in ("union", "inter", "tuple"):
        sep = {"union": "|", "inter": "&", "tuple": ","}[tag]
        s = sep.join(node_name(a) for a in node[1])
        return "[%s]" % s if tag == "tuple" else s
    if tag == "keyof":
        return "keyof " + node_name(node[1])
    return tag


class TSTypes:
    """Turns TypeScript type nodes into contract <type>s and models."""

    def __init__(self, decls):
        self.decls = decls
        self.models = {}
        self.unresolved = set()

    # --- object shapes: {name: (required, node)} ---
    def fields_of(self, node, depth=0):
        """Fields of an object-like type node, or None when it is not one."""
        if depth > 40:
            return None
        tag = node[0]
        if tag == "obj":
            out = {}
            for m in node[1]:
                if m[0] == "prop":
                    out[m[1]] = (not m[2], m[3])
            return out
        if tag == "inter":
            out = {}
            for item in node[1]:
                f = self.fields_of(item, depth + 1)
                if f is None:
                    return None
                out.update(f)
            return out
        if tag != "ref":
            return None
        name, args = node[1], node[2]
        if name in ("Partial", "Required", "Readonly") and args:
            f = self.fields_of(args[0], depth + 1)
            if f is None:
                return None
            if name == "Partial":
                return {k: (False, t) for k, (_, t) in f.items()}
            if name == "Required":
                return {k: (True, t) for k, (_, t) in f.items()}
            return f
        if name in ("Omit", "Pick") and len(args) == 2:
            f = self.fields_of(args[0], depth + 1)
            keys = self.keys_of(args[1], depth + 1)
            if f is None:
                return None
            if name == "Omit":
                return {k: v for k, v in f.items() if k not in keys}
            return {k: v for k, v in f.items() if k in keys}
        d = self.decls.get(name)
        if d is None:
            return None
        env = self.bind(d, args)
        if d[0] == "interface":
            out = {}
            for h in d[3]:
                f = self.fields_of(subst(h, env), depth + 1)
                if f is None:
                    self.unresolved.add("extends " + node_name(h))
                    continue
                out.update(f)
            out.update(self.fields_of(subst(("obj", d[4]), env), depth + 1))
            return out
        if d[0] == "alias":
            return self.fields_of(subst(d[3], env), depth + 1)
        return None

    def has_index_signature(self, name):
        """Whether interface `name` declares `[key: string]: ...` beside its fields."""
        d = self.decls.get(name)
        return bool(d and d[0] == "interface" and any(m[0] == "indexsig" for m in d[4]))

    def keys_of(self, node, depth=0):
        tag = node[0]
        if tag == "lit":
            return {node[1]}
        if tag == "union":
            out = set()
            for item in node[1]:
                out |= self.keys_of(item, depth + 1)
            return out
        if tag == "keyof":
            return set(self.fields_of(node[1], depth + 1) or {})
        if tag == "ref" and not node[2]:
            d = self.decls.get(node[1])
            if d and d[0] == "alias":
                return self.keys_of(d[3], depth + 1)
        return set()

    @staticmethod
    def bind(decl, args):
        env = {}
        for i, (pname, default) in enumerate(decl[2]):
            if i < len(args):
                env[pname] = args[i]
            else:
                env[pname] = default if default is not None else ANY
        return env

    def alias_target(self, name):
        """`interface A extends B {}` (nothing else): A is B."""
        seen = set()
        while name not in seen:
            seen.add(name)
            d = self.decls.get(name)
            if not (d and d[0] == "interface" and not d[2] and not d[4] and len(d[3]) == 1):
                return name
            h = d[3][0]
            if h[0] != "ref" or h[2]:
                return name
            hd = self.decls.get(h[1])
            if not (hd and hd[0] == "interface" and not hd[2]):
                return name
            name = h[1]
        return name

    def model(self, name, fields_node_map, open_=False):
        """A named model; `open_` when the type also has an index signature (`[key: string]:
        any`): fields other than the named ones are then allowed ("additionalFields": true)."""
        if name in self.models:
            return {"type": "ref", "model": name}
        self.models[name] = None  # placeholder: recursion
        fields = {}
        for fname, (required, node) in sorted(fields_node_map.items()):
            typ = self.convert(node, "%s.%s" % (name, fname))
            if typ == NULL:
                typ = {"type": "any"}
            fields[fname] = {"required": required, "type": typ}
        self.models[name] = {"fields": fields}
        if open_:
            self.models[name]["additionalFields"] = True
        return {"type": "ref", "model": name}

    def convert(self, node, ctx):
        tag = node[0]
        if tag == "lit":
            return {"type": "string", "enum": [node[1]]}
        if tag == "num":
            return {"type": "number"}
        if tag == "array":
            return {"type": "array", "items": self.strip_null(self.convert(node[1], ctx + "[]"))}
        if tag == "tuple":
            items = [self.convert(t, ctx + "[]") for t in node[1]]
            return {"type": "array", "items": self.merge(items) if items else {"type": "any"}}
        if tag == "union":
            return self.merge([self.convert(t, ctx) for t in node[1]])
        if tag == "inter":
            f = self.fields_of(node)
            return self.model(ctx, f) if f else {"type": "any"}
        if tag == "obj":
            props = [m for m in node[1] if m[0] == "prop"]
            sigs = [m for m in node[1] if m[0] == "indexsig"]
            if not props and sigs:
                return {"type": "map", "values": self.strip_null(self.convert(sigs[0][1], ctx + "{}"))}
            if not props:
                return {"type": "any"}
            return self.model(ctx, self.fields_of(node))
        if tag == "index":
            base, idx = node[1], node[2]
            if base[0] == "typeof":
                d = self.decls.get(base[1])
                if d and d[0] == "const":
                    base = d[3]
            if base[0] == "tuple":
                return self.merge([self.convert(t, ctx) for t in base[1]])
            if base[0] == "array":
                return self.convert(base[1], ctx)
            if idx[0] == "lit":
                f = self.fields_of(base)
                if f and idx[1] in f:
                    return self.convert(f[idx[1]][1], ctx)
            return {"type": "any"}
        if tag == "keyof":
            keys = self.fields_of(node[1])
            return {"type": "string", "enum": sorted(keys)} if keys else {"type": "string"}
        if tag != "ref":
            return {"type": "any"}
        name, args = node[1], node[2]
        if name in NULLISH:
            return NULL
        if name in PRIMITIVES and not args:
            return dict(PRIMITIVES[name])
        if name in ("Array", "ReadonlyArray", "Set") and args:
            return {"type": "array", "items": self.strip_null(self.convert(args[0], ctx + "[]"))}
        if name in ("Record", "Map") and len(args) == 2:
            return {"type": "map", "values": self.strip_null(self.convert(args[1], ctx + "{}"))}
        if name in ("Promise", "NonNullable") and args:
            return self.convert(args[0], ctx)
        if name in ("Partial", "Required", "Readonly", "Omit", "Pick") and args:
            f = self.fields_of(node)
            return self.model(node_name(node), f) if f is not None else {"type": "any"}
        d = self.decls.get(name)
        if d is None:
            self.unresolved.add(name)
            return {"type": "any"}
        if d[0] == "enum":
            if d[3] and not d[4]:
                return {"type": "string", "enum": list(d[3])}
            return {"type": "number"} if d[4] and not d[3] else {"type": "any"}
        if d[0] == "const":
            return {"type": "any"}
        if d[0] == "interface":
            if not args and not d[2]:
                target = self.alias_target(name)
                return self.model(target, self.fields_of(("ref", target, [])),
                                  self.has_index_signature(target))
            return self.model(node_name(node), self.fields_of(node), self.has_index_signature(name))
        # type alias
        body = subst(d[3], self.bind(d, args))
        label = node_name(node)
        if body[0] in ("obj", "inter"):
            f = self.fields_of(body)
            props = f is not None and (body[0] == "inter" or any(m[0] == "prop" for m in body[1]))
            if props:
                return self.model(label, f)
        return self.convert(body, label)

    @staticmethod
    def strip_null(t):
        return {"type": "any"} if t == NULL else t

    @staticmethod
    def merge(types):
        """One <type> for a union."""
        types = [t for t in types if t != NULL]
        if not types:
            return {"type": "any"}
        if all(t["type"] == "string" for t in types):
            if any("enum" not in t for t in types):
                return {"type": "string"}
            values = []
            for t in types:
                values += [v for v in t["enum"] if v not in values]
            return {"type": "string", "enum": values}
        first = types[0]
        if all(t == first for t in types):
            return first
        if all(t["type"] in ("integer", "number") for t in types):
            return {"type": "number"}
        if all(t["type"] == "array" for t in types):
            return {"type": "array", "items": TSTypes.merge([t["items"] for t in types])}
        return {"type": "any"}


def cognigy(args):
    pkg = args.pkg_root
    routes = parse_routes(pkg)
    decls = TSParser(read(os.path.join(pkg, "types", "index.d.ts"))).parse()
    ts = TSTypes(decls)

    route_rows = sorted({(r["group"], r["path"], r["method"]) for r in routes})
    operations = []
    notes = []
    for method, path in COGNIGY_OPERATIONS:
        matches = [r for r in routes if r["method"] == method and r["path"] == path and r["fn"]]
        if not matches:
            die("%s %s is not in the Cognigy client" % (method, path))
        r = matches[0]
        path_params = re.findall(r"\{(\w+)\}", path)
        op = {
            "operationId": r["fn"],
            "group": r["group"],
            "method": method,
            "path": path,
            "pathParams": path_params,
            "queryParams": [],
            "permissions": None,
            "requestModel": None,
            "responseModel": None,
            "responseType": None,
        }
        group_fields = ts.fields_of(("ref", r["file"], []))
        sig = group_fields.get(r["fn"]) if group_fields else None
        if sig is None or sig[1][0] != "ref" or sig[1][1] != "TRestAPIOperation":
            warn("%s %s: no TRestAPIOperation<Data, Return> for %s.%s in the types"
                 % (method, path, r["file"], r["fn"]))
            operations.append(op)
            continue
        targs = sig[1][2] + [("ref", "void", [])] * 2
        data, ret = targs[0], targs[1]
        if data[0] == "ref" and data[1] == "TRestAPIOptionalParameter" and data[2]:
            data = data[2][0]
        data_fields = ts.fields_of(data) or {}
        query_names = []
        if r["query"] == "args":
            query_names = [k for k in data_fields if k not in path_params and not r["body"]]
        elif r["query"]:
            query_names = list(r["query"])
        for q in sorted(query_names):
            req, node = data_fields.get(q, (False, ANY))
            op["queryParams"].append({"name": q, "required": req,
                                      "type": ts.strip_null(ts.convert(node, "%s.%s" % (node_name(data), q)))})
        if r["body"]:
            body = {k: v for k, v in data_fields.items() if k not in path_params and k not in query_names}
            name = node_name(data)
            d = decls.get(data[1]) if data[0] == "ref" else None
            if d and d[0] == "interface":
                for h in d[3]:
                    if h[0] == "ref" and "Body" in h[1] and ts.fields_of(h) == body:
                        name = node_name(h)
            if body:
                op["requestModel"] = ts.model(name, body)["model"]
        rtype = ts.convert(ret, node_name(ret))
        if rtype != NULL:
            op["responseType"] = rtype
            if rtype["type"] == "ref":
                op["responseModel"] = rtype["model"]
        operations.append(op)

    # Unions of object types are recorded as any, but converting their members registered models:
    # keep only what the operations reach.
    error = ts.convert(("ref", COGNIGY_ERROR_MODEL, []), COGNIGY_ERROR_MODEL)
    if error != {"type": "ref", "model": COGNIGY_ERROR_MODEL}:
        die("%s is not an interface of the package" % COGNIGY_ERROR_MODEL)
    models, todo = {}, list(COGNIGY_EXTRA_MODELS)
    for op in operations:
        todo += [m for m in (op["requestModel"], op["responseModel"]) if m]
        for q in op["queryParams"]:
            todo += list(refs_in(q["type"]))
    while todo:
        name = todo.pop()
        if name in models or ts.models.get(name) is None:
            continue
        models[name] = ts.models[name]
        for f in models[name]["fields"].values():
            todo += list(refs_in(f["type"]))
    if ts.unresolved:
        notes = sorted(ts.unresolved)
        warn("types not declared in the package (recorded as any): " + ", ".join(notes))
    write_json(args.out, {
        "generatedBy": GENERATED_BY,
        "sources": {"npm": args.npm_spec},
        "errorModel": COGNIGY_ERROR_MODEL,
        "routes": [{"group": g, "method": m, "path": p} for g, p, m in route_rows],
        "operations": operations,
        "models": models,
    })
    print("%s: %d routes, %d operations, %d models"
          % (args.out, len(route_rows), len(operations), len(models)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("genesys")
    g.add_argument("--py-root", required=True, help="folder holding PureCloudPlatformClientV2/")
    g.add_argument("--npm-root", required=True, help="the npm package folder (index.d.ts)")
    g.add_argument("--pypi-spec", required=True)
    g.add_argument("--npm-spec", required=True)
    g.add_argument("--out", required=True)
    c = sub.add_parser("cognigy")
    c.add_argument("--pkg-root", required=True, help="the npm package folder")
    c.add_argument("--npm-spec", required=True)
    c.add_argument("--out", required=True)
    args = ap.parse_args()
    {"genesys": genesys, "cognigy": cognigy}[args.cmd](args)


if __name__ == "__main__":
    main()
