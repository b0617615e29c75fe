"use strict";exports.id=5515,exports.ids=[5515],exports.modules={5515:((d,s,t)=>{t.r(s),t.d(s,{context:()=>o._,getOctokit:()=>o.Q});var o=t(2413)})};
