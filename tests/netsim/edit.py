"""netsim <edit-config>: operations, default-operation, error-option, test-option, errors,
writable-running validation, copy-config, and <get>/<get-config> filters."""
import re

from nslib import (NSA, Device, Lab, check, edit, err, errors, getcfg, main, ok, rpc)

START = ('<system xmlns="%s"><hostname>r1</hostname></system>'
         '<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><description>uplink</description>'
         '<mtu>1500</mtu><tag>a</tag><tag>b</tag></interface>'
         '<interface><name>ge-0/0/2</name><mtu>9000</mtu></interface></interfaces>'
         '<routing xmlns="%s"><static-route><prefix>10.0.0.0/8</prefix>'
         '<out-interface>ge-0/0/1</out-interface></static-route></routing>') % (NSA, NSA, NSA)


def ifs(inner):
    return '<interfaces xmlns="%s">%s</interfaces>' % (NSA, inner)


def has(xml, *frags):
    flat = re.sub(r">\s+<", "><", xml)
    for f in frags:
        check(f in flat, "expected %r in:\n%s" % (f, flat))


def hasnt(xml, *frags):
    flat = re.sub(r">\s+<", "><", xml)
    for f in frags:
        check(f not in flat, "did not expect %r in:\n%s" % (f, flat))


def test():
    devs = [Device("r1", startup=START),
            Device("wr", profile="generic", startup=START, extra="candidate = no\nconfirmed-commit = none"),
            Device("jx", profile="junos", startup=START)]
    with Lab(devs) as lab:
        m = lab.connect("r1")

        # merge: new list entry, leaf update, leaf-list add
        ok(edit(m, ifs('<interface><name>ge-0/0/3</name><mtu>1600</mtu></interface>'
                       '<interface><name>ge-0/0/1</name><mtu>1508</mtu><tag>c</tag></interface>')),
           "merge")
        c = getcfg(m, "candidate")
        has(c, "<name>ge-0/0/3</name><mtu>1600</mtu>", "<mtu>1508</mtu>", "<tag>c</tag>",
            "<description>uplink</description>", "<tag>a</tag>")
        hasnt(c, "<mtu>1500</mtu>")

        # create on existing -> data-exists; on new -> ok
        err(edit(m, ifs('<interface nc:operation="create"><name>ge-0/0/1</name></interface>')),
            "data-exists", "create existing", path_part="interface[name='ge-0/0/1']")
        ok(edit(m, ifs('<interface nc:operation="create"><name>ge-0/0/4</name></interface>')), "create")

        # delete on missing -> data-missing; delete leaf (empty value) and list entry
        err(edit(m, ifs('<interface nc:operation="delete"><name>nope</name></interface>')),
            "data-missing", "delete missing", path_part="interface[name='nope']")
        err(edit(m, ifs('<interface><name>ge-0/0/3</name><description nc:operation="delete"/>'
                        '</interface>')), "data-missing", "delete missing leaf")
        ok(edit(m, ifs('<interface><name>ge-0/0/1</name><description nc:operation="delete"/>'
                       '<tag nc:operation="delete">a</tag></interface>'
                       '<interface nc:operation="delete"><name>ge-0/0/4</name></interface>')),
           "delete")
        c = getcfg(m, "candidate")
        hasnt(c, "uplink", "<tag>a</tag>", "ge-0/0/4")
        has(c, "<tag>b</tag>")

        # remove: missing is fine, existing is removed
        ok(edit(m, ifs('<interface nc:operation="remove"><name>nope</name></interface>'
                       '<interface><name>ge-0/0/3</name><mtu nc:operation="remove"/></interface>')),
           "remove")
        hasnt(getcfg(m, "candidate"), "<mtu>1600</mtu>")

        # replace a list entry: children not given disappear
        ok(edit(m, ifs('<interface nc:operation="replace"><name>ge-0/0/1</name>'
                       '<description>new</description></interface>')), "replace")
        c = getcfg(m, "candidate")
        has(c, "<name>ge-0/0/1</name><description>new</description></interface>")
        hasnt(c, "<mtu>1508</mtu>", "<tag>b</tag>")

        # default-operation none: only nodes with an explicit operation act; no implicit create
        ok(edit(m, ifs('<interface><name>ge-0/0/2</name><mtu>1400</mtu>'
                       '<description nc:operation="merge">via-none</description></interface>'
                       '<interface><name>ghost</name></interface>'),
                default_operation="none"), "default-operation none")
        c = getcfg(m, "candidate")
        has(c, "<mtu>9000</mtu>", "<description>via-none</description>")
        hasnt(c, "ghost", "<mtu>1400</mtu>")
        err(edit(m, ifs('<interface><name>ghost</name><mtu nc:operation="delete"/></interface>'),
                 default_operation="none"), "data-missing", "none + delete under missing parent")
        hasnt(getcfg(m, "candidate"), "ghost")

        # default-operation replace: the whole datastore becomes the config
        ok(edit(m, ifs('<interface><name>only</name></interface>'), default_operation="replace"),
           "default-operation replace")
        c = getcfg(m, "candidate")
        has(c, "<name>only</name>")
        hasnt(c, "ge-0/0/1", "hostname", "static-route")
        ok(m.discard_changes(), "discard")
        has(getcfg(m, "candidate"), "ge-0/0/1", "<hostname>r1</hostname>")

        # defaults count as absent: create over a default is fine, delete of one is data-missing
        sysx = '<system xmlns="%s">%%s</system>' % NSA
        err(edit(m, sysx % '<max-frame nc:operation="delete"/>'), "data-missing", "delete a default")
        ok(edit(m, sysx % '<max-frame nc:operation="create">9000</max-frame>'), "create over default")
        has(getcfg(m, "candidate"), "<max-frame>9000</max-frame>")
        err(edit(m, sysx % '<max-frame nc:operation="create">9100</max-frame>'), "data-exists",
            "create over an explicit value")

        # operations on whole top-level containers; leaf-list entry replace
        ok(edit(m, '<routing xmlns="%s" nc:operation="delete"/>' % NSA), "delete top container")
        c = getcfg(m, "candidate")
        hasnt(c, "static-route", "<routing")
        err(edit(m, '<routing xmlns="%s" nc:operation="delete"/>' % NSA), "data-missing",
            "delete it again")
        ok(edit(m, '<routing xmlns="%s" nc:operation="remove"/>' % NSA), "remove it again")
        ok(edit(m, ifs('<interface><name>ge-0/0/2</name><tag nc:operation="replace">z</tag>'
                       '</interface>')), "leaf-list entry replace")
        has(getcfg(m, "candidate"), "<name>ge-0/0/2</name><mtu>9000</mtu><tag>z</tag>")
        ok(m.discard_changes(), "discard")

        # error-option: one good, one bad (create existing), one good
        body = ifs('<interface><name>e1</name></interface>'
                   '<interface nc:operation="create"><name>ge-0/0/1</name></interface>'
                   '<interface><name>e2</name></interface>')
        err(edit(m, body, error_option="stop-on-error"), "data-exists", "stop-on-error")
        c = getcfg(m, "candidate")
        has(c, "<name>e1</name>")
        hasnt(c, "<name>e2</name>")
        ok(m.discard_changes(), "discard")
        err(edit(m, body, error_option="rollback-on-error"), "data-exists", "rollback-on-error")
        hasnt(getcfg(m, "candidate"), "<name>e1</name>", "<name>e2</name>")
        body2 = ifs('<interface><name>e1</name></interface>'
                    '<interface nc:operation="create"><name>ge-0/0/1</name></interface>'
                    '<interface nc:operation="delete"><name>nope</name></interface>'
                    '<interface><name>e2</name></interface>')
        r = edit(m, body2, error_option="continue-on-error")
        check(sorted(e[0] for e in errors(r)) == ["data-exists", "data-missing"],
              "continue-on-error reports both errors: %s" % errors(r))
        has(getcfg(m, "candidate"), "<name>e1</name>", "<name>e2</name>")
        ok(m.discard_changes(), "discard")

        # parse-level errors: everything reported, nothing applied
        r = edit(m, ifs('<interface><name>p1</name><mtu>5</mtu></interface>'
                        '<interface><name>p2</name><bogus>1</bogus></interface>'
                        '<interface><mtu>1500</mtu></interface>')
                 + '<foo xmlns="urn:nowhere"/>')
        tags = sorted(e[0] for e in errors(r))
        check(tags == ["invalid-value", "missing-element", "unknown-element", "unknown-namespace"],
              "parse errors: %s" % errors(r))
        e = err(r, "unknown-element", "bogus")
        check("<bad-element>bogus</bad-element>" in (e[4] or ""), "bad-element bogus: %s" % (e,))
        hasnt(getcfg(m, "candidate"), "p1", "p2")
        err(edit(m, '<state xmlns="%s"><uptime>5</uptime></state>' % NSA), "invalid-value",
            "state data")

        # the candidate accepts invalid-but-well-typed config; validate/commit refuse it
        ok(edit(m, ifs('<interface><name>ge-0/0/1</name><vlan-tags><inner>5</inner></vlan-tags>'
                       '</interface>')), "must-violating edit accepted on candidate")
        r = m.validate("candidate")
        err(r, "operation-failed", "validate must", app_tag="must-violation",
            msg_part="inner tag requires an outer tag")
        err(m.commit(), "operation-failed", "commit must")
        ok(m.discard_changes(), "discard")
        ok(edit(m, '<routing xmlns="%s"><static-route><prefix>1.0.0.0/8</prefix>'
                   '<out-interface>nope</out-interface></static-route></routing>' % NSA), "leafref edit")
        err(m.validate("candidate"), "data-missing", "leafref", app_tag="instance-required")
        ok(m.discard_changes(), "discard")
        ok(edit(m, '<routing xmlns="%s"><static-route><prefix>1.0.0.0/8</prefix>'
                   '</static-route></routing>' % NSA), "mandatory edit")
        err(m.validate("candidate"), "data-missing", "mandatory", path_part="out-interface")
        ok(m.discard_changes(), "discard")
        ok(edit(m, ifs('<interface><name>ge-0/0/1</name><mtu>9216</mtu></interface>')
                + '<system xmlns="%s"><max-frame>9000</max-frame></system>' % NSA), "custom app tag")
        err(m.validate("candidate"), "operation-failed", "custom error-app-tag",
            app_tag="frame-too-big", msg_part="max-frame")
        ok(m.discard_changes(), "discard")

        # test-option test-only: validated, never stored
        err(edit(m, ifs('<interface><name>t1</name><vlan-tags><inner>5</inner></vlan-tags>'
                        '</interface>'), test_option="test-only"), "operation-failed", "test-only invalid")
        ok(edit(m, ifs('<interface><name>t1</name></interface>'), test_option="test-only"),
           "test-only valid")
        hasnt(getcfg(m, "candidate"), "t1")

        # filters
        f = ('subtree', ifs('<interface><name>ge-0/0/1</name></interface>'))
        c = getcfg(m, "running", f)
        has(c, "<name>ge-0/0/1</name>", "<tag>a</tag>")
        hasnt(c, "ge-0/0/2", "hostname")
        c = getcfg(m, "running", ('subtree', ifs('<interface><name>ge-0/0/2</name><mtu/></interface>')))
        has(c, "<interface><name>ge-0/0/2</name><mtu>9000</mtu></interface>")
        c = getcfg(m, "running", ('subtree', ifs('<interface><mtu>9000</mtu></interface>')))
        has(c, "ge-0/0/2")
        hasnt(c, "ge-0/0/1")
        # Keys only (netsim's own lookup, filter.c): an instance that is not there, two
        # that are, one of them with a selection below it.
        c = getcfg(m, "running", ('subtree', ifs('<interface><name>ge-0/0/9</name></interface>')))
        hasnt(c, "interface")
        c = getcfg(m, "running", ('subtree', ifs('<interface><name>ge-0/0/9</name></interface>'
                                                 '<interface><name>ge-0/0/1</name></interface>'
                                                 '<interface><name>ge-0/0/2</name><mtu/>'
                                                 '</interface>')))
        has(c, "<name>ge-0/0/1</name>", "<tag>a</tag>", "<mtu>9000</mtu>")
        hasnt(c, "ge-0/0/9")
        c = getcfg(m, "running", ('subtree', '<interfaces/>'))   # no namespace: lenient match
        has(c, "ge-0/0/1")
        c = getcfg(m, "running", ('xpath', ({"t": NSA}, "/t:interfaces/t:interface[t:mtu>2000]/t:name")))
        has(c, "<name>ge-0/0/2</name>")
        hasnt(c, "ge-0/0/1", "<mtu>")
        r = rpc(m, '<get-config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><source><running/>'
                   '</source><filter type="xpath" xmlns:t="%s" select="/t:system/t:hostname"/>'
                   '</get-config>' % NSA)
        ok(r, "xpath with XML prefixes")
        has(r.xml, "<hostname>r1</hostname>")
        hasnt(r.xml, "interface")
        r = m.get(('subtree', '<yang-library xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-library"/>'))
        ok(r, "get yang-library")
        has(r.data_xml, "<name>netsim-test-a</name>")
        r = m.get(('subtree', '<system xmlns="%s"/>' % NSA), with_defaults="report-all")
        has(r.data_xml, "<max-frame>9192</max-frame>")
        hasnt(getcfg(m, "running"), "max-frame")
        # Unfiltered <get-config>: defaults are added only when the mode prints them (rpc.c)
        has(m.get_config(source="running", with_defaults="report-all").data_xml,
            "<max-frame>9192</max-frame>")
        has(m.get_config(source="running", with_defaults="report-all-tagged").data_xml,
            "9192</max-frame>")
        hasnt(m.get_config(source="running", with_defaults="trim").data_xml, "max-frame")
        hasnt(m.get_config(source="running", with_defaults="explicit").data_xml, "max-frame")
        # Filtered <get-config> of running filters the validated datastore itself, whose
        # default nodes libyang's validation added (rpc.c): they print as the mode says and
        # take part in content matching as before.
        sysf = ('subtree', '<system xmlns="%s"/>' % NSA)
        has(m.get_config(source="running", filter=sysf, with_defaults="report-all").data_xml,
            "<max-frame>9192</max-frame>")
        has(m.get_config(source="running", filter=sysf, with_defaults="report-all-tagged").data_xml,
            "9192</max-frame>")
        c = m.get_config(source="running", filter=sysf).data_xml
        has(c, "<hostname>r1</hostname>")
        hasnt(c, "max-frame")
        hasnt(m.get_config(source="running", filter=sysf, with_defaults="trim").data_xml,
              "max-frame")
        c = m.get_config(source="running", filter=('subtree', '<system xmlns="%s"><max-frame>9192'
                                                              '</max-frame></system>' % NSA)).data_xml
        has(c, "<hostname>r1</hostname>")
        hasnt(c, "max-frame")
        # The candidate is stored unvalidated, without defaults: report-all must add them
        ok(edit(m, '<system xmlns="%s" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" '
                   'nc:operation="replace"><hostname>r9</hostname></system>' % NSA),
           "replace system in the candidate")
        has(m.get_config(source="candidate", with_defaults="report-all").data_xml,
            "<max-frame>9192</max-frame>")
        hasnt(m.get_config(source="candidate", with_defaults="explicit").data_xml, "max-frame")
        has(m.get_config(source="candidate", filter=sysf, with_defaults="report-all").data_xml,
            "<max-frame>9192</max-frame>", "<hostname>r9</hostname>")
        ok(m.discard_changes(), "discard the replaced system")

        # copy-config candidate <- running, and inline config to candidate
        ok(rpc(m, '<copy-config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><target><candidate/>'
                  '</target><source>%s</source></copy-config>'
               % cfg_inline(ifs('<interface><name>cc</name></interface>'))), "copy-config inline")
        c = getcfg(m, "candidate")
        has(c, "<name>cc</name>")
        hasnt(c, "ge-0/0/1")
        ok(m.copy_config(source="running", target="candidate"), "copy-config running->candidate")
        has(getcfg(m, "candidate"), "ge-0/0/1")
        ok(m.copy_config(source="running", target="startup"), "copy running->startup")
        has(getcfg(m, "startup"), "ge-0/0/1")

        # <discard-changes> copies running again whenever either tree changed since the
        # candidate was last a copy of it (rpc_discard skips the copy only when neither did):
        # an edited candidate, then running replaced under it, then discard.
        ok(m.discard_changes(), "discard: candidate = running")
        ok(m.discard_changes(), "discard again, nothing changed")
        has(getcfg(m, "candidate"), "ge-0/0/1")
        ok(edit(m, ifs('<interface><name>dc1</name></interface>')), "edit the candidate")
        ok(rpc(m, '<copy-config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><target><running/>'
                  '</target><source>%s</source></copy-config>'
               % cfg_inline(ifs('<interface><name>dc2</name></interface>'))), "replace running")
        ok(m.discard_changes(), "discard after running changed")
        c = getcfg(m, "candidate")
        has(c, "<name>dc2</name>")
        hasnt(c, "<name>dc1</name>")
        hasnt(c, "ge-0/0/1")
        ok(rpc(m, '<copy-config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><target><running/>'
                  '</target><source>%s</source></copy-config>'
               % cfg_inline(ifs('<interface><name>ge-0/0/1</name><mtu>1500</mtu></interface>'))),
           "running restored")
        ok(m.discard_changes(), "discard: candidate = restored running")
        has(getcfg(m, "candidate"), "ge-0/0/1")

        # An RPC's node in <config> is not configuration: libyang types it there (anydata
        # takes anything), so the edit does not take that tree (edit.c, edit_tree_plain) and
        # its own parse refuses the node; nothing is applied
        r = edit(m, '<get-peer-information xmlns="%s"><address>x</address>'
                    '</get-peer-information>' % NSA)
        check(not r.ok and errors(r), "an RPC node in <config> accepted: %s" % r.xml)
        hasnt(getcfg(m, "candidate"), "get-peer-information", "<address>x</address>")

        # writable-running device: edits validated at once, running.xml follows
        w = lab.connect("wr")
        check(":candidate" not in " ".join(w.server_capabilities), "wr has no candidate")
        err(edit(w, ifs('<interface><name>ge-0/0/1</name><vlan-tags><inner>5</inner></vlan-tags>'
                        '</interface>'), target="running"), "operation-failed", "running validates on edit",
            app_tag="must-violation")
        ok(edit(w, ifs('<interface><name>w1</name><mtu>1500</mtu></interface>'), target="running"),
           "running edit")
        has(lab.running_xml("wr"), "<name>w1</name>")

        # A <get-config> of running sends running.xml's print without its formatting
        # (store.c, store_shrink): values made of or starting with line breaks and blanks
        # are data, not formatting, and come back as they were; the reply holds no
        # formatting (a shrink that drops every blank run between tags fails here)
        ws = ["\n    ", "\n  x\n  ", " \n", "y\n      ", "\n"]
        ok(edit(w, ifs("".join("<interface><name>ws%d</name><description>%s</description>"
                               "</interface>" % (i, v) for i, v in enumerate(ws))),
                target="running"), "running edit, blank values")
        raw = w.get_config("running").xml
        for i, v in enumerate(ws):
            check("<name>ws%d</name><description>%s</description>" % (i, v) in raw,
                  "value %r of ws%d lost in the get-config reply:\n%s" % (v, i, raw))
        check("<interface><name>w1</name>" in raw and not re.search(r">\n +<interface", raw),
              "get-config of running is not shrunk:\n" + raw)
        r = rpc(w, '<commit xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>')
        check(not r.ok, "commit refused on a running-only device")

        # junos profile: no writable-running; edit of running refused
        j = lab.connect("jx")
        caps = " ".join(j.server_capabilities)
        check("confirmed-commit:1.0" in caps and "confirmed-commit:1.1" not in caps, caps)
        check("validate:1.0" in caps and "writable-running" not in caps, caps)
        r = rpc(j, '<edit-config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><target><running/>'
                   '</target><config>%s</config></edit-config>' % ifs('<interface><name>x</name></interface>'))
        check(not r.ok, "junos: edit running refused: %s" % r.xml)
        hasnt(lab.running_xml("jx"), "<name>x</name>")


def cfg_inline(inner):
    return '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">%s</config>' % inner


if __name__ == "__main__":
    main(test)
