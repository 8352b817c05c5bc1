"""Where student code runs, and the only way the grader talks to it.

server     student side: the fork server (``python -m autograder.grading.sandbox.server``)
           and StudentServer, which answers requests and runs cells
process    grader side: ForkServer client, StudentProcess (requests charged to an explicit
           TimeBudget), SandboxLost
proxy      what checks get in place of student objects (function proxies, Remote handles)
protocol   the wire format (JSON + .npy, no pickle) and the table of requests and replies
isolation  OS confinement of one student process (namespaces, mounts, limits, seccomp,
           identity): the plan made by the grader, the record of what held
cgroups    child cgroups capping memory, processes and CPU of a submission
"""
