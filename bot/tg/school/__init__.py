"""School staff in the chat: invites, rounds, status, closing, feedback.

Usage, in a private chat with the bot:

    /uitnodigen      an admin invites an admin, a team member or a brugfiguur   (invites)
    /ronde           an admin launches a round: flow, topic, groups, expected numbers,
                     closing date; gets links, QR codes and printable invitations   (launch)
    /status          admin, brugfiguur, coordinator (team members if allowed)   (follow)
    /sluit           an admin closes a round now   (follow)
    /terugkoppeling  an admin tells everyone who took part what came out   (feedback)
    /opnemen         staff record a flow's questions in one language, a voice note each
    /opnames         another staff member of the school approves or rejects them   (recordings)
    /uren            an admin sees and sets when families get reminders and feedback   (hours)

Modules: `common` (access check, school picker, labels, the button handler factory, the
dialogues' small steps), `invites`, `launch`, `follow`, `feedback`, `recordings`, `hours`, and
`dialogue` (a picked school, a dialogue button or typed text to the step that waits for it). /rapport lives in
`bot.tg.report_handlers`; the parent's /geenherinnering in `bot.tg.reminders`.

Every staff step checks the role AND the school again (`bot.staff.authorize`), for a button
press too; whoever may not gets one polite sentence that reveals nothing. `bot.tg.app` puts these
handlers in group STAFF_GROUP (-1), before the parent's; they handle only their commands, their
buttons and the text a staff dialogue waits for, and stop the update there
(ApplicationHandlerStop). The /ronde and /terugkoppeling dialogues keep their state in
`staff_dialogues`, so a restart halfway loses nothing.
"""
