// Generated from examples/booking-flow.json by `wa-flows validate examples/booking-flow.json --emit-ts examples/booking-flow.flow.ts`: the Flow JSON as a typed
// constant (createFlowEndpoint({ flow }) types the handlers from it). Do not edit: change the JSON, generate again.
const flow = {
  "version": "7.3",
  "data_api_version": "3.0",
  "routing_model": {
    "APPOINTMENT": [
      "DETAILS"
    ],
    "DETAILS": [
      "SUMMARY"
    ],
    "SUMMARY": []
  },
  "screens": [
    {
      "id": "APPOINTMENT",
      "title": "Book an appointment",
      "refresh_on_back": true,
      "data": {
        "departments": {
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "title": {
                "type": "string"
              }
            }
          },
          "__example__": [
            {
              "id": "general",
              "title": "General practice"
            },
            {
              "id": "dental",
              "title": "Dental"
            }
          ]
        },
        "locations": {
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "title": {
                "type": "string"
              }
            }
          },
          "__example__": [
            {
              "id": "north",
              "title": "North clinic"
            }
          ]
        },
        "dates": {
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "title": {
                "type": "string"
              }
            }
          },
          "__example__": [
            {
              "id": "2026-03-02",
              "title": "Mon 2 Mar"
            }
          ]
        },
        "times": {
          "type": "array",
          "items": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "title": {
                "type": "string"
              }
            }
          },
          "__example__": [
            {
              "id": "10:30",
              "title": "10:30"
            }
          ]
        }
      },
      "layout": {
        "type": "SingleColumnLayout",
        "children": [
          {
            "type": "Dropdown",
            "name": "department",
            "label": "Department",
            "required": true,
            "data-source": "${data.departments}"
          },
          {
            "type": "Dropdown",
            "name": "location",
            "label": "Location",
            "required": true,
            "data-source": "${data.locations}"
          },
          {
            "type": "Dropdown",
            "name": "date",
            "label": "Date",
            "required": true,
            "data-source": "${data.dates}",
            "on-select-action": {
              "name": "data_exchange",
              "payload": {
                "trigger": "date_selected",
                "date": "${form.date}"
              }
            }
          },
          {
            "type": "Dropdown",
            "name": "time",
            "label": "Time",
            "required": true,
            "data-source": "${data.times}"
          },
          {
            "type": "Footer",
            "label": "Continue",
            "on-click-action": {
              "name": "data_exchange",
              "payload": {
                "department": "${form.department}",
                "location": "${form.location}",
                "date": "${form.date}",
                "time": "${form.time}"
              }
            }
          }
        ]
      }
    },
    {
      "id": "DETAILS",
      "title": "Your details",
      "data": {
        "department": {
          "type": "string",
          "__example__": "dental"
        },
        "location": {
          "type": "string",
          "__example__": "north"
        },
        "date": {
          "type": "string",
          "__example__": "2026-03-02"
        },
        "time": {
          "type": "string",
          "__example__": "10:30"
        },
        "appointment": {
          "type": "string",
          "__example__": "Dental at North clinic, Mon 2 Mar at 10:30"
        }
      },
      "layout": {
        "type": "SingleColumnLayout",
        "children": [
          {
            "type": "TextSubheading",
            "text": "${data.appointment}"
          },
          {
            "type": "TextInput",
            "name": "name",
            "label": "Name",
            "input-type": "text",
            "required": true
          },
          {
            "type": "TextInput",
            "name": "email",
            "label": "Email",
            "input-type": "email",
            "required": true
          },
          {
            "type": "TextInput",
            "name": "phone",
            "label": "Phone",
            "input-type": "phone",
            "required": true
          },
          {
            "type": "TextArea",
            "name": "more_details",
            "label": "Anything else?",
            "required": false
          },
          {
            "type": "Footer",
            "label": "Continue",
            "on-click-action": {
              "name": "data_exchange",
              "payload": {
                "department": "${data.department}",
                "location": "${data.location}",
                "date": "${data.date}",
                "time": "${data.time}",
                "name": "${form.name}",
                "email": "${form.email}",
                "phone": "${form.phone}",
                "more_details": "${form.more_details}"
              }
            }
          }
        ]
      }
    },
    {
      "id": "SUMMARY",
      "title": "Confirm the booking",
      "terminal": true,
      "data": {
        "department": {
          "type": "string",
          "__example__": "dental"
        },
        "location": {
          "type": "string",
          "__example__": "north"
        },
        "date": {
          "type": "string",
          "__example__": "2026-03-02"
        },
        "time": {
          "type": "string",
          "__example__": "10:30"
        },
        "name": {
          "type": "string",
          "__example__": "Ada Lovelace"
        },
        "email": {
          "type": "string",
          "__example__": "ada@example.com"
        },
        "phone": {
          "type": "string",
          "__example__": "+44 20 7946 0000"
        },
        "more_details": {
          "type": "string",
          "__example__": "First visit"
        },
        "appointment": {
          "type": "string",
          "__example__": "Dental at North clinic, Mon 2 Mar at 10:30"
        },
        "details": {
          "type": "string",
          "__example__": "Name: Ada Lovelace\nEmail: ada@example.com\nPhone: +44 20 7946 0000"
        }
      },
      "layout": {
        "type": "SingleColumnLayout",
        "children": [
          {
            "type": "TextHeading",
            "text": "${data.appointment}"
          },
          {
            "type": "TextBody",
            "text": "${data.details}"
          },
          {
            "type": "Footer",
            "label": "Confirm",
            "on-click-action": {
              "name": "data_exchange",
              "payload": {
                "department": "${data.department}",
                "location": "${data.location}",
                "date": "${data.date}",
                "time": "${data.time}",
                "name": "${data.name}",
                "email": "${data.email}",
                "phone": "${data.phone}",
                "more_details": "${data.more_details}"
              }
            }
          }
        ]
      }
    }
  ]
} as const

export default flow
